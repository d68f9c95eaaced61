using Amazon.SimpleSystemsManagement;
using ThreatResponse.Core.Playbooks;

namespace ThreatResponse.Aws.Playbooks;

/// <summary>Chooses the playbook's source from the settings: <c>PLAYBOOK</c> (inline), <c>PLAYBOOK_PARAMETER_NAME</c> (SSM), or neither (the embedded default).</summary>
public static class PlaybookSources
{
    /// <returns>The source, or null for the default playbook. Both set is a source that always fails: responses then only notify.</returns>
    /// <param name="inline">The playbook's text (<c>PLAYBOOK</c>), or null.</param>
    /// <param name="parameter">The SSM parameter holding it (<c>PLAYBOOK_PARAMETER_NAME</c>), or null.</param>
    /// <param name="environment">Where the SSM client's endpoint comes from.</param>
    public static IPlaybookSource? Choose(string? inline, string? parameter, AwsEnvironment environment, Amazon.Runtime.AWSCredentials? credentials, out IDisposable? client)
    {
        ArgumentNullException.ThrowIfNull(environment);
        client = null;
        if (inline is not null && parameter is not null)
        {
            return new InvalidPlaybookSource("PLAYBOOK and PLAYBOOK_PARAMETER_NAME", "both are set, so which one is meant is unknown; set one");
        }

        if (inline is not null)
        {
            return new InlinePlaybookSource(inline);
        }

        if (parameter is null)
        {
            return null;
        }

        var config = SdkClientSettings.Apply(new AmazonSimpleSystemsManagementConfig(), environment, "SSM", null);
        var ssm = credentials is null ? new AmazonSimpleSystemsManagementClient(config) : new AmazonSimpleSystemsManagementClient(credentials, config);
        client = ssm;
        return new SsmPlaybookSource(ssm, parameter);
    }
}
