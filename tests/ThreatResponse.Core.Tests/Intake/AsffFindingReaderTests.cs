using ThreatResponse.Core.Intake;

namespace ThreatResponse.Core.Tests.Intake;

public sealed class AsffFindingReaderTests
{
    [Theory]
    [InlineData("TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce", "UnauthorizedAccess:EC2/SSHBruteForce")]
    [InlineData("TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS", "Backdoor:EC2/C&CActivity.B!DNS")]
    [InlineData("TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort", "Recon:EC2/PortProbeUnprotectedPort")]
    [InlineData("Effects/Resource Consumption/CryptoCurrency:EC2-BitcoinTool.B!DNS", "CryptoCurrency:EC2/BitcoinTool.B!DNS")]
    [InlineData("TTPs/Credential Access/CredentialAccess:RDS-AnomalousBehavior.SuccessfulLogin", "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin")]
    [InlineData("TTPs/Privilege Escalation/PrivilegeEscalation:Runtime-DockerSocketAccessed", "PrivilegeEscalation:Runtime/DockerSocketAccessed")]
    [InlineData("TTPs/Discovery/Recon:IAMUser-MaliciousIPCaller.Custom", "Recon:IAMUser/MaliciousIPCaller.Custom")]
    [InlineData("UnauthorizedAccess:EC2-SSHBruteForce", "UnauthorizedAccess:EC2/SSHBruteForce")]
    public void GuardDutyTypeOf_AsffType_RestoresGuardDutysSlash(string asffType, string expected)
    {
        Assert.Equal(expected, AsffFindingReader.GuardDutyTypeOf(asffType));
    }

    [Theory]
    [InlineData("Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices")]
    [InlineData("Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark")]
    [InlineData("Effects/Data Exposure")]
    [InlineData("TTPs")]
    [InlineData("")]
    public void GuardDutyTypeOf_TypeWithoutColon_ReturnsItUnchanged(string asffType)
    {
        Assert.Equal(asffType, AsffFindingReader.GuardDutyTypeOf(asffType));
    }
}
