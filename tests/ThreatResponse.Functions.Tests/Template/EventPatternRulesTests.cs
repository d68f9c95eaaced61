using System.Text.Json.Nodes;
using ThreatResponse.Testing.CloudFormation;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>The deploy-fidelity checker itself refuses what EventBridge refuses and passes what it accepts.</summary>
public sealed class EventPatternRulesTests
{
    [Theory]
    [InlineData("""{"detail":{"severity":[{"numeric":[">=","4"]}]}}""", "must be a JSON number")]
    [InlineData("""{"detail":{"name":[{"exists":"true"}]}}""", "exists takes true or false")]
    [InlineData("""{"source":"aws.guardduty"}""", "must be in an array")]
    [InlineData("""{"source":[]}""", "empty array")]
    [InlineData("""{"source":[{"prefix":4}]}""", "prefix takes a string")]
    [InlineData("""{"source":[{"wildcard":["a*"]}]}""", "wildcard takes a string")]
    [InlineData("""{"source":[{"numeric":["~",4]}]}""", "is not one of")]
    [InlineData("""{"source":[{"numeric":[">",6e9]}]}""", "outside")]
    [InlineData("""{"source":[{"startswith":"a"}]}""", "not an EventBridge comparison operator")]
    [InlineData("""{"$or":[{"source":["a"]}]}""", "at least two patterns")]
    [InlineData("""{"source":[{"anything-but":{"exists":true}}]}""", "anything-but takes")]
    [InlineData("""{"source":[{"prefix":"a","suffix":"b"}]}""", "exactly one operator")]
    [InlineData("""[]""", "non-empty JSON object")]
    [InlineData("""{"source":["a",""", "not valid JSON")]
    public void Violations_PatternEventBridgeRefuses_NamesTheRule(string pattern, string expected)
    {
        var violations = EventPatternRules.Violations(JsonValue.Create(pattern));

        Assert.Contains(violations, v => v.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"source":["aws.guardduty"],"detail":{"severity":[{"numeric":[">=",4,"<",8.5]}],"service":{"archived":[false]}}}""")]
    [InlineData("""{"detail":{"a":[{"exists":false}],"b":[{"prefix":{"equals-ignore-case":"x"}}],"c":[{"anything-but":["x","y"]}],"d":[{"cidr":"10.0.0.0/8"}],"e":[null]}}""")]
    [InlineData("""{"$or":[{"a":["x"]},{"b":[{"suffix":".png"}]}]}""")]
    public void Violations_PatternEventBridgeAccepts_None(string pattern)
    {
        Assert.Empty(EventPatternRules.Violations(JsonNode.Parse(pattern)));
    }

    [Theory]
    [InlineData("""{"detail":{"findings":{"type":["b"]}}}""", true)] // any element of an array of objects
    [InlineData("""{"detail":{"findings":{"type":["c"]}}}""", false)]
    [InlineData("""{"detail":{"findings":{"severity_id":[{"numeric":[">=",4,"<=",6]}]}}}""", true)]
    [InlineData("""{"detail":{"findings":{"severity_id":[{"numeric":[">",5]}]}}}""", false)]
    [InlineData("""{"detail":{"findings":{"severity_id":["4"]}}}""", false)] // a string never matches a number
    [InlineData("""{"detail":{"findings":{"absent":[{"exists":false}]}}}""", true)]
    [InlineData("""{"detail":{"findings":{"type":[{"exists":false}]}}}""", false)]
    [InlineData("""{"detail":{"tags":["x"]}}""", true)] // a pattern value against an array of values
    [InlineData("""{"detail":{"$or":[{"findings":{"type":["z"]}},{"tags":[{"prefix":"y"}]}]}}""", true)]
    [InlineData("""{"detail":{"findings":{"type":[{"anything-but":["a","b"]}]}}}""", false)]
    [InlineData("""{"detail":{"findings":{"type":[{"anything-but":{"prefix":"c"}}]}}}""", true)]
    [InlineData("""{"detail":{"missing":{"type":["a"]}}}""", false)]
    public void Matches_DocumentedArrayAndOperatorSemantics(string pattern, bool expected)
    {
        var @event = JsonNode.Parse("""{"detail":{"findings":[{"type":"a","severity_id":4},{"type":"b","severity_id":5}],"tags":["x","yes"]}}""")!;

        Assert.Equal(expected, EventPatternMatcher.Matches(JsonNode.Parse(pattern)!, @event));
    }

    [Fact]
    public void Violations_PatternOverTheDefaultSizeQuota_Refused()
    {
        var pattern = new JsonObject { ["source"] = new JsonArray(Enumerable.Range(0, 300).Select(i => (JsonNode?)JsonValue.Create($"source-{i}")).ToArray()) };

        Assert.Contains(EventPatternRules.Violations(pattern), v => v.Contains("2048", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_RefToNumberParameterInAPatternObject_ReachesEventBridgeAsAString()
    {
        // The shape of the rule before 2026-11-29: SAM's Pattern object with a Ref to a Number parameter.
        var template = JsonNode.Parse("""
            {"Parameters":{"Threshold":{"Type":"Number","Default":4}},
             "Resources":{"Rule":{"Type":"AWS::Events::Rule","Properties":{"EventPattern":{"detail":{"severity":[{"numeric":[">=",{"Ref":"Threshold"}]}]}}}}}}
            """)!.AsObject();

        var rendered = CloudFormationRenderer.Render(template, new StackDeployment("s", new Dictionary<string, string>()));

        Assert.Contains(EventPatternRules.Violations(rendered.Resources["Rule"].Properties["EventPattern"]), v => v.Contains("must be a JSON number", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("arn:aws:iam::1:role/threat-response/s/*", "arn:aws:iam::1:role/threat-response/s/s-GuardDutyResponderRole-ABC", true)]
    [InlineData("arn:aws:iam::1:role/threat-response/s/*", "arn:aws:iam::1:role/threat-response/s-prod/s-prod-X", false)]
    [InlineData("arn:aws:iam::1:role/threat-response/s/*", "arn:aws:iam::2:role/threat-response/s/X", false)]
    [InlineData("arn:aws:iam::*:role/ThreatResponseMember", "arn:aws:iam::444455556666:role/ThreatResponseMember", true)]
    [InlineData("arn:aws:iam::*:role/ThreatResponseMember", "arn:aws:iam::444455556666:role/threatresponsemember", false)]
    public void ArnLike_Pattern_MatchesAsIamDoes(string pattern, string arn, bool expected)
    {
        Assert.Equal(expected, IamArnLike.Matches(pattern, arn));
    }
}
