using System.Text.Json.Nodes;
using ThreatResponse.Testing;
using ThreatResponse.Testing.CloudFormation;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// templates/region-forwarder.yaml, as CloudFormation creates it in the security account: in another Region, a rule
/// forwarding what the stack's GuardDuty rule acts on (less its threshold, which the stack's rule applies) to the stack
/// Region's default bus of the same account, through a role that may put events there and nowhere else; in the stack's
/// Region, nothing.
/// </summary>
public sealed class RegionForwarderTemplateTests
{
    public const string Account = MotoServerFixture.DefaultAccount;
    public const string SecurityRegion = MotoServerFixture.DefaultRegion;
    public const string OtherRegion = "eu-west-1";

    /// <summary>The forwarder as deployed in <paramref name="region"/> of the security account (translated, then rendered).</summary>
    public static async Task<RenderedTemplate> ForwarderInAsync(string region) =>
        CloudFormationRenderer.Render(
            await SamTemplate.ReadAsync("templates/region-forwarder.yaml"),
            new StackDeployment("threat-response-region-forwarder", new Dictionary<string, string> { ["SecurityRegion"] = SecurityRegion }, Account, region));

    /// <summary>The stack's GuardDuty rule pattern as EventBridge receives it, with the template's defaults (threshold 4).</summary>
    public static async Task<JsonNode> StackGuardDutyPatternAsync()
    {
        var deployed = CloudFormationRenderer.Render(await SamTemplate.TranslatedAsync(), new StackDeployment("threat-response", new Dictionary<string, string>(), Account, SecurityRegion));
        var rendered = deployed.Resources["GuardDutyFindingRule"].Properties["EventPattern"]!;
        return rendered is JsonValue text ? JsonNode.Parse(text.GetValue<string>())! : rendered.DeepClone();
    }

    [Fact]
    public async Task Forwarder_Pattern_IsTheStacksGuardDutyRuleWithoutItsThreshold()
    {
        var forwarder = await ForwarderInAsync(OtherRegion);
        var rule = Assert.Single(forwarder.OfType("AWS::Events::Rule"));
        var pattern = rule.Properties["EventPattern"]!;
        var stackPattern = await StackGuardDutyPatternAsync();

        // The threshold is the stack's one setting, applied by the stack's rule to forwarded findings as to its own.
        Assert.NotNull(stackPattern["detail"]!["severity"]);
        var withoutThreshold = stackPattern.DeepClone();
        withoutThreshold["detail"]!.AsObject().Remove("severity");
        Assert.True(JsonNode.DeepEquals(withoutThreshold, pattern), $"{withoutThreshold.ToJsonString()} vs {pattern.ToJsonString()}");
        Assert.Empty(EventPatternRules.Violations(pattern));

        // A forwarded event keeps its account and Region: the stack's rule must not filter on either to hear it.
        Assert.Null(stackPattern["account"]);
        Assert.Null(stackPattern["region"]);
    }

    [Fact]
    public async Task Forwarder_Target_TheStackRegionsDefaultBusOfThisAccount_ThroughARoleThatMayPutThereOnly()
    {
        var forwarder = await ForwarderInAsync(OtherRegion);
        var bus = $"arn:aws:events:{SecurityRegion}:{Account}:event-bus/default";
        var target = Assert.Single(Assert.Single(forwarder.OfType("AWS::Events::Rule")).Properties["Targets"]!.AsArray())!;
        Assert.Equal(bus, target["Arn"]!.GetValue<string>());

        var role = Assert.Single(forwarder.OfType("AWS::IAM::Role"));
        Assert.StartsWith($"arn:aws:iam::{Account}:role/", target["RoleArn"]!.GetValue<string>(), StringComparison.Ordinal);
        var statement = Assert.Single(Assert.Single(role.Properties["Policies"]!.AsArray())!["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("Allow", statement["Effect"]!.GetValue<string>());
        Assert.Equal(["events:PutEvents"], statement["Action"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(bus, statement["Resource"]!.GetValue<string>());

        var trust = Assert.Single(role.Properties["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("events.amazonaws.com", trust["Principal"]!["Service"]!.GetValue<string>());
        Assert.Equal(Account, trust["Condition"]!["StringEquals"]!["aws:SourceAccount"]!.GetValue<string>());
    }

    [Fact]
    public async Task Forwarder_InTheStacksRegion_CreatesNoRuleAndNoRole()
    {
        var home = await ForwarderInAsync(SecurityRegion);
        var other = await ForwarderInAsync(OtherRegion);

        // Only the placeholder that keeps the stack a valid one: no rule putting findings back on the bus they came from.
        Assert.Equal(["AWS::CloudFormation::WaitConditionHandle"], home.Resources.Values.Select(r => r.Type));
        Assert.Equal(["AWS::Events::Rule", "AWS::IAM::Role"], other.Resources.Values.Select(r => r.Type).Order(StringComparer.Ordinal));
    }
}
