using System.Text.Json.Nodes;
using ThreatResponse.Core.Settings;
using ThreatResponse.Testing;
using ThreatResponse.Testing.CloudFormation;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// What template.yaml sets on each function is what the functions read: every variable it sets is declared in
/// <see cref="SettingsTable"/>, and with the parameters' defaults and the other ways samconfig.toml deploys it, every
/// function's variables are allowed, so a deployed function starts.
/// </summary>
public sealed class TemplateSettingsTests
{
    private static readonly IReadOnlyDictionary<string, StackDeployment> Deployments = SamConfig.Environments(Path.Combine(RepositoryRoot.Path, "samconfig.toml"));

    [Fact]
    public async Task Template_EveryVariableSetOnAFunction_IsDeclared()
    {
        var declared = SettingsTable.All.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var functions = await SamTemplate.ResourcesAsync("AWS::Lambda::Function");
        var undeclared = functions
            .SelectMany(f => Variables(f.Value).Keys.Select(name => (Function: f.Key, Name: name)))
            .Where(v => !declared.Contains(v.Name))
            .Select(v => $"{v.Function}: {v.Name}")
            .ToList();

        Assert.True(functions.Count >= 8, $"only {functions.Count} functions");
        Assert.Empty(undeclared);
    }

    [Fact]
    public async Task Template_AsDeployed_EveryFunctionsSettingsAllowed()
    {
        var problems = new List<string>();
        var checkedFunctions = 0;
        foreach (var (environment, deployment) in Deployments.Append(new("revoke-sessions", Deployments["default"].With("EnableRevokeSessions", "true"))))
        {
            var stack = CloudFormationRenderer.Render(await SamTemplate.TranslatedAsync(), deployment);
            foreach (var function in stack.OfType("AWS::Lambda::Function"))
            {
                var variables = function.Properties["Environment"]?["Variables"]?.AsObject()
                    .ToDictionary(v => v.Key, v => v.Value?.ToString(), StringComparer.Ordinal) ?? [];
                checkedFunctions++;
                try
                {
                    var settings = FunctionSettings.Read(variables.GetValueOrDefault);
                    if (variables.ContainsKey("ACTION_TARGET_ARN"))
                    {
                        settings.RequireActionTarget();
                    }
                }
                catch (InvalidSettingsException e)
                {
                    problems.Add($"{environment} {function.LogicalId}: {e.Message}");
                }
            }
        }

        Assert.True(checkedFunctions >= 8, $"only {checkedFunctions} functions rendered");
        Assert.Empty(problems);
    }

    private static Dictionary<string, JsonNode?> Variables(JsonObject function) =>
        function["Properties"]?["Environment"]?["Variables"]?.AsObject().ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal) ?? [];
}
