using ThreatResponse.Core.Containment.Evidence;

namespace ThreatResponse.Core.Tests.Containment.Evidence;

/// <summary>What the quarantine role's inline policy may say: only Allows of the agent's actions, named one by one.</summary>
public sealed class QuarantineRoleCheckTests
{
    [Theory]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":["ec2messages:GetMessages","ssm:UpdateInstanceInformation"],"Resource":"*"}]}""")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"ssmmessages:OpenControlChannel","Resource":"*"}}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"ssm:UpdateInstanceInformation","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*"}]}""")]
    public void ProblemOf_TheAgentsActionsOnly_None(string policy) => Assert.Null(QuarantineRoleCheck.ProblemOf("q", policy));

    [Theory]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"}]}""", "\"ssm:*\"")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":["ssm:UpdateInstanceInformation","ssm:GetParameters"],"Resource":"*"}]}""", "ssm:GetParameters")]
    [InlineData("""{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}""", "NotAction")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"ssm:UpdateInstanceInformation","NotResource":"arn:aws:s3:::x"}]}""", "NotResource")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""", "s3:GetObject")]
    [InlineData("""not json""", "could not be read")]
    [InlineData("""{"Version":"2012-10-17"}""", "could not be read")]
    public void ProblemOf_AnythingMore_NamesIt(string policy, string named) =>
        Assert.Contains(named, QuarantineRoleCheck.ProblemOf("q", policy), StringComparison.Ordinal);
}
