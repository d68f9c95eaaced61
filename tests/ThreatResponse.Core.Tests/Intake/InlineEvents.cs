using System.Text;
using System.Text.Json.Nodes;

namespace ThreatResponse.Core.Tests.Intake;

/// <summary>
/// Small valid events written for the tests (not copies of the shared corpus), to be mutated one field at a time, so that
/// every malformed case differs from an accepted event by exactly the thing it tests.
/// </summary>
internal static class InlineEvents
{
    public const string InstanceIdText = "i-0123456789abcdef0";
    public const string FindingAccount = "123456789012";
    public const string EventAccount = "111122223333";
    public const string CustomActionArn = "arn:aws:securityhub:us-east-1:111122223333:action/custom/contain";

    /// <summary>Stands for a value that <see cref="WithRaw"/> replaces by raw JSON text the node API cannot write.</summary>
    public const string RawPlaceholder = "@@RAW@@";

    private const string GuardDutyJson = """
        {
          "version": "0",
          "id": "5b5e4f4e-0f3c-4c59-a8b3-000000000001",
          "detail-type": "GuardDuty Finding",
          "source": "aws.guardduty",
          "account": "111122223333",
          "time": "2025-01-01T00:00:00Z",
          "region": "us-east-1",
          "resources": [],
          "detail": {
            "schemaVersion": "2.0",
            "accountId": "123456789012",
            "region": "us-east-1",
            "partition": "aws",
            "id": "0ac1e2f3a4b5c6d7e8f9a0b1c2d3e4f5",
            "arn": "arn:aws:guardduty:us-east-1:123456789012:detector/1ac1e2f3a4b5c6d7e8f9a0b1c2d3e4f5/finding/0ac1e2f3a4b5c6d7e8f9a0b1c2d3e4f5",
            "type": "UnauthorizedAccess:EC2/SSHBruteForce",
            "resource": {
              "resourceType": "Instance",
              "instanceDetails": { "instanceId": "i-0123456789abcdef0", "instanceType": "t3.micro" }
            },
            "severity": 5,
            "title": "SSH brute force against i-0123456789abcdef0.",
            "service": {
              "serviceName": "guardduty",
              "resourceRole": "TARGET",
              "additionalInfo": { "sample": false }
            }
          }
        }
        """;

    private const string AsffFindingJson = """
        {
          "SchemaVersion": "2018-10-08",
          "Id": "arn:aws:guardduty:us-east-1:123456789012:detector/1ac1e2f3a4b5c6d7e8f9a0b1c2d3e4f5/finding/0ac1e2f3a4b5c6d7e8f9a0b1c2d3e4f5",
          "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty",
          "AwsAccountId": "123456789012",
          "Types": ["TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce"],
          "Severity": { "Label": "MEDIUM", "Normalized": 50 },
          "Region": "us-east-1",
          "Title": "SSH brute force against i-0123456789abcdef0.",
          "ProductFields": { "aws/guardduty/service/resourceRole": "TARGET" },
          "Resources": [
            {
              "Type": "AwsEc2Instance",
              "Id": "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0",
              "Partition": "aws",
              "Region": "us-east-1"
            }
          ]
        }
        """;

    private const string SecurityHubEnvelopeJson = """
        {
          "version": "0",
          "id": "5b5e4f4e-0f3c-4c59-a8b3-000000000002",
          "detail-type": "Security Hub Findings - Custom Action",
          "source": "aws.securityhub",
          "account": "111122223333",
          "time": "2025-01-01T00:00:00Z",
          "region": "us-east-1",
          "resources": ["arn:aws:securityhub:us-east-1:111122223333:action/custom/contain"],
          "detail": { "actionName": "contain", "actionDescription": "Isolate the instance", "findings": [] }
        }
        """;

    /// <summary>A <c>GuardDuty Finding</c> event naming <see cref="InstanceIdText"/> in <see cref="FindingAccount"/>.</summary>
    public static JsonObject GuardDuty() => JsonNode.Parse(GuardDutyJson)!.AsObject();

    /// <summary>One ASFF finding relayed from GuardDuty, naming <see cref="InstanceIdText"/> as an <c>AwsEc2Instance</c> resource.</summary>
    public static JsonObject AsffFinding() => JsonNode.Parse(AsffFindingJson)!.AsObject();

    /// <summary>A <c>Security Hub Findings - Custom Action</c> event carrying one <see cref="AsffFinding"/>.</summary>
    public static JsonObject CustomAction()
    {
        var evt = JsonNode.Parse(SecurityHubEnvelopeJson)!.AsObject();
        evt.Findings().Add(AsffFinding());
        return evt;
    }

    /// <summary>A <c>Security Hub Findings - Imported</c> event carrying one <see cref="AsffFinding"/>.</summary>
    public static JsonObject Imported()
    {
        var evt = CustomAction();
        evt["detail-type"] = "Security Hub Findings - Imported";
        evt.Remove("resources");
        evt.Detail().Remove("actionName");
        evt.Detail().Remove("actionDescription");
        return evt;
    }

    public static JsonObject Detail(this JsonObject evt) => evt["detail"]!.AsObject();

    public static JsonArray Findings(this JsonObject evt) => evt.Detail()["findings"]!.AsArray();

    public static JsonObject Finding(this JsonObject evt, int index = 0) => evt.Findings()[index]!.AsObject();

    public static JsonObject Resource(this JsonObject evt) => evt.Detail()["resource"]!.AsObject();

    public static JsonObject InstanceDetails(this JsonObject evt) => evt.Resource()["instanceDetails"]!.AsObject();

    public static string Text(this JsonNode node) => node.ToJsonString();

    public static byte[] Utf8(this JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    public static byte[] Utf8(this string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>The event's text with the string value <see cref="RawPlaceholder"/> replaced by <paramref name="rawJson"/>.</summary>
    public static byte[] WithRaw(this JsonNode node, string rawJson)
    {
        var text = node.ToJsonString();
        var quoted = $"\"{RawPlaceholder}\"";
        return text.Contains(quoted, StringComparison.Ordinal)
            ? text.Replace(quoted, rawJson, StringComparison.Ordinal).Utf8()
            : throw new InvalidOperationException("The event has no placeholder to replace.");
    }

    /// <summary>A string of <paramref name="length"/> copies of <paramref name="c"/>.</summary>
    public static string Long(char c, int length) => new StringBuilder(length).Append(c, length).ToString();

    /// <summary>A valid GuardDuty event whose <c>title</c> is padded so the whole event is exactly <paramref name="bytes"/> long.</summary>
    public static byte[] PaddedTo(int bytes)
    {
        var unpadded = GuardDuty().With(e => e.Detail()["title"] = "").Utf8().Length;
        var padded = GuardDuty().With(e => e.Detail()["title"] = Long('p', bytes - unpadded)).Utf8();
        return padded.Length == bytes ? padded : throw new InvalidOperationException($"padded to {padded.Length}, not {bytes}");
    }

    /// <summary>Applies <paramref name="mutate"/> to a fresh event and returns the result, for building cases in one expression.</summary>
    public static JsonObject With(this JsonObject evt, Action<JsonObject> mutate)
    {
        mutate(evt);
        return evt;
    }
}
