using System.Text.Json.Nodes;

namespace ThreatResponse.Testing.CloudFormation;

/// <summary>A template as CloudFormation creates it for one <see cref="StackDeployment"/>: only the resources it creates, every intrinsic resolved.</summary>
public sealed record RenderedTemplate(StackDeployment Deployment, IReadOnlyDictionary<string, RenderedResource> Resources, IReadOnlyDictionary<string, JsonNode?> Outputs)
{
    public IEnumerable<RenderedResource> OfType(string type) => Resources.Values.Where(r => r.Type == type).OrderBy(r => r.LogicalId, StringComparer.Ordinal);

    /// <summary>The functions' execution roles (<c>&lt;Function&gt;Role</c>), not the other roles the stack creates (the quarantine role).</summary>
    public IEnumerable<RenderedResource> FunctionRoles() => OfType("AWS::IAM::Role")
        .Where(r => r.LogicalId.EndsWith("Role", StringComparison.Ordinal) && Resources.TryGetValue(r.LogicalId[..^"Role".Length], out var f) && f.Type == "AWS::Lambda::Function");
}

/// <summary>One created resource with its resolved properties.</summary>
public sealed record RenderedResource(string LogicalId, string Type, JsonObject Properties);
