using System.Text.Json.Nodes;

namespace ThreatResponse.Testing.CloudFormation;

/// <summary>A template as CloudFormation creates it for one <see cref="StackDeployment"/>: only the resources it creates, every intrinsic resolved.</summary>
public sealed record RenderedTemplate(StackDeployment Deployment, IReadOnlyDictionary<string, RenderedResource> Resources, IReadOnlyDictionary<string, JsonNode?> Outputs)
{
    public IEnumerable<RenderedResource> OfType(string type) => Resources.Values.Where(r => r.Type == type).OrderBy(r => r.LogicalId, StringComparer.Ordinal);
}

/// <summary>One created resource with its resolved properties.</summary>
public sealed record RenderedResource(string LogicalId, string Type, JsonObject Properties);
