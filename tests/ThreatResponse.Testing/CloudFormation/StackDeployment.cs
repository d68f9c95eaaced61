namespace ThreatResponse.Testing.CloudFormation;

/// <summary>
/// One deployment of a template: the stack's name, where it goes and the parameter values given on top of the
/// template's defaults (what <c>sam deploy --config-env</c> passes from samconfig.toml).
/// </summary>
public sealed record StackDeployment(
    string StackName,
    IReadOnlyDictionary<string, string> ParameterOverrides,
    string Account = "111122223333",
    string Region = "us-east-1",
    string Partition = "aws")
{
    public StackDeployment With(string parameter, string value) =>
        this with { ParameterOverrides = new Dictionary<string, string>(ParameterOverrides, StringComparer.Ordinal) { [parameter] = value } };
}
