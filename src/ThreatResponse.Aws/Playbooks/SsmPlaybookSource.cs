using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using ThreatResponse.Core.Playbooks;

namespace ThreatResponse.Aws.Playbooks;

/// <summary>The playbook kept in an SSM parameter (<c>PLAYBOOK_PARAMETER_NAME</c>; String or SecureString), so a team changes it without a redeploy.</summary>
public sealed class SsmPlaybookSource(IAmazonSimpleSystemsManagement ssm, string parameterName) : IPlaybookSource
{
    public string Description => $"SSM parameter {parameterName}";

    public async Task<string> ReadAsync(CancellationToken cancellationToken)
    {
        var response = await SdkCall.RunAsync("GetParameter", () => ssm.GetParameterAsync(new GetParameterRequest { Name = parameterName, WithDecryption = true }, cancellationToken));
        return response.Parameter.Value;
    }
}
