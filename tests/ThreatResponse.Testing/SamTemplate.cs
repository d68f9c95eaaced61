using System.Diagnostics;
using System.Text.Json.Nodes;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Testing;

/// <summary>
/// template.yaml as CloudFormation will see it: translated by the installed SAM translator (the one cfn-lint uses),
/// so tests check the roles, rules and handlers that would actually be deployed.
/// </summary>
public static class SamTemplate
{
    private static readonly Lazy<Task<JsonObject>> Translated = new(() => TranslateAsync("template.yaml"));

    public static Task<JsonObject> TranslatedAsync() => Translated.Value;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<JsonObject>>> Read = new(StringComparer.Ordinal);

    /// <summary>
    /// Another template of the repository (e.g. <c>templates/member-role.yaml</c>), read the same way: translated once
    /// per test run (a translation is a Python process, about a second), each caller getting its own copy.
    /// </summary>
    public static async Task<JsonObject> ReadAsync(string relativePath) =>
        (JsonObject)(await Read.GetOrAdd(relativePath, path => new Lazy<Task<JsonObject>>(() => TranslateAsync(path))).Value).DeepClone();

    /// <summary>The translated resources of a type, by logical id.</summary>
    public static async Task<Dictionary<string, JsonObject>> ResourcesAsync(string type) =>
        (await TranslatedAsync())["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .ToDictionary(r => r.Key, r => r.Value!.AsObject());

    /// <summary>Every IAM action the role of <paramref name="function"/> allows.</summary>
    /// <param name="conditionsTrue">Conditions taken as true for conditional statements; the others are false, as with the parameters' defaults.</param>
    public static async Task<HashSet<string>> AllowedActionsAsync(string function, IReadOnlySet<string>? conditionsTrue = null) =>
        AllowedActions((await ResourcesAsync("AWS::IAM::Role"))[$"{function}Role"], conditionsTrue);

    /// <summary>Every IAM action an <c>AWS::IAM::Role</c> resource's inline policies allow.</summary>
    public static HashSet<string> AllowedActions(JsonObject role, IReadOnlySet<string>? conditionsTrue = null)
    {
        ArgumentNullException.ThrowIfNull(role);
        var actions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var policy in role["Properties"]!["Policies"]?.AsArray() ?? [])
        {
            foreach (var entry in policy!["PolicyDocument"]!["Statement"]!.AsArray())
            {
                // A conditional statement is judged as deployed with the parameters' defaults, under which its condition
                // is false, unless the caller names it true.
                var statement = entry is JsonObject o && o["Fn::If"] is JsonArray branches
                    ? conditionsTrue?.Contains(branches[0]!.GetValue<string>()) == true ? branches[1] : branches[2]
                    : entry;
                if (statement is null || statement["Ref"]?.GetValue<string>() == "AWS::NoValue" || statement["Effect"]!.GetValue<string>() != "Allow")
                {
                    continue;
                }

                var action = statement["Action"]!;
                foreach (var name in action is JsonArray list ? list.Select(a => a!.GetValue<string>()) : [action.GetValue<string>()])
                {
                    actions.Add(name);
                }
            }
        }

        return actions;
    }

    private static async Task<JsonObject> TranslateAsync(string relativePath)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "scripts", "sam_translate.py");
        var start = new ProcessStartInfo((await TestTools.GetAsync()).Python)
        {
            ArgumentList = { script, Path.Combine(RepositoryRoot.Path, relativePath) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? JsonNode.Parse(await output)!.AsObject()
            : throw new InvalidOperationException($"SAM translation failed (pip install cfn-lint installs the translator): {await errors}");
    }
}
