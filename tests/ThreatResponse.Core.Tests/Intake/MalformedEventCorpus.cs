using System.Text;
using System.Text.Json.Nodes;
using ThreatResponse.Core.Intake;
using static ThreatResponse.Core.Tests.Intake.InlineEvents;

namespace ThreatResponse.Core.Tests.Intake;

/// <summary>
/// The malformed and hostile events of the intake tests: each a case name, the input, the JSON path of the fault and a
/// fragment of the message. Shared (as a linked source file) with the functions' tests, which send every case through
/// every handler.
/// </summary>
internal static class MalformedEventCorpus
{
    public const string NotInstanceId = "is not an EC2 instance id (i- followed by 8 or 17 lowercase hex digits)";
    public const string InstanceIdPath = "$.detail.resource.instanceDetails.instanceId";
    public const string Finding0 = "$.detail.findings[0]";

    public static TheoryData<string, JsonInput, string, string> Cases()
    {
        var data = new TheoryData<string, JsonInput, string, string>();
        void Add(string name, byte[] input, string path, string fragment) => data.Add(name, new JsonInput(input), path, fragment);
        void AddGuardDuty(string name, Action<JsonObject> mutate, string path, string fragment) => Add(name, GuardDuty().With(mutate).Utf8(), path, fragment);
        void AddCustomAction(string name, Action<JsonObject> mutate, string path, string fragment) => Add(name, CustomAction().With(mutate).Utf8(), path, fragment);
        void AddAsff(string name, Action<JsonObject> mutateFinding, string path, string fragment) => Add(name, CustomAction().With(e => mutateFinding(e.Finding())).Utf8(), path, fragment);
        void AddInstanceId(string name, string instanceId, string fragment) => AddGuardDuty(name, e => e.InstanceDetails()["instanceId"] = instanceId, InstanceIdPath, fragment);

        // Not an event at all.
        Add("not JSON", "this is not JSON"u8.ToArray(), "$", "not valid JSON");
        Add("empty input", [], "$", "not valid JSON");
        Add("whitespace only", " \r\n\t "u8.ToArray(), "$", "not valid JSON");
        Add("byte-order mark only", [0xEF, 0xBB, 0xBF], "$", "not valid JSON");
        Add("truncated mid-way", Truncated(GuardDuty().Text(), 0.5), "$", "not valid JSON");
        Add("truncated after the opening brace", "{"u8.ToArray(), "$", "not valid JSON");
        Add("trailing garbage after the object", (GuardDuty().Text() + " {}").Utf8(), "$", "not valid JSON");
        Add("comment inside the object", GuardDuty().Text().Replace("{", "{/* hi */", StringComparison.Ordinal).Utf8(), "$", "not valid JSON");
        Add("single-quoted strings", "{'detail-type': 'GuardDuty Finding'}"u8.ToArray(), "$", "not valid JSON");
        Add("invalid literal with a bidi override", "tr\u202Eue"u8.ToArray(), "$", @"'tr\u202Eue' is an invalid JSON literal");
        Add("invalid literal with an escape character", GuardDuty().With(e => e.Detail()["severity"] = RawPlaceholder).WithRaw("t\u001B[2J"), "$", @"'t\u001B[2J");
        Add("invalid literal 100,000 characters long", ("t" + Long('x', 100_000)).Utf8(), "$", "chars)");
        Add("array at root", ("[" + GuardDuty().Text() + "]").Utf8(), "$", "expected an object, found an array");
        Add("string at root", "\"GuardDuty Finding\""u8.ToArray(), "$", "expected an object, found a string");
        Add("number at root", "42"u8.ToArray(), "$", "expected an object, found a number");
        Add("null at root", "null"u8.ToArray(), "$", "expected an object, found null");

        // The envelope.
        AddGuardDuty("detail-type not handled", e => e["detail-type"] = "GuardDuty Findings", "$['detail-type']", "'GuardDuty Findings' is not handled");
        AddGuardDuty("detail-type a number", e => e["detail-type"] = 7, "$['detail-type']", "expected a string, found a number");
        AddGuardDuty("detail-type an array", e => e["detail-type"] = new JsonArray("GuardDuty Finding"), "$['detail-type']", "expected a string, found an array");
        AddGuardDuty("detail-type missing", e => e.Remove("detail-type"), "$['detail-type']", "is required");
        AddGuardDuty("detail-type blank", e => e["detail-type"] = "  ", "$['detail-type']", "must not be empty");
        AddGuardDuty("detail-type with a log-forging newline", e => e["detail-type"] = "x\n2025-01-01 INFO all clear", "$['detail-type']", @"'x\u000A2025-01-01 INFO all clear' is not handled");
        AddGuardDuty("GuardDuty Finding from aws.securityhub", e => e["source"] = "aws.securityhub", "$.source", "'aws.securityhub' does not send 'GuardDuty Finding' events; expected 'aws.guardduty'");
        AddCustomAction("custom action from aws.guardduty", e => e["source"] = "aws.guardduty", "$.source", "expected 'aws.securityhub'");
        Add("imported from a custom source", Imported().With(e => e["source"] = "my.app").Utf8(), "$.source", "'my.app' does not send 'Security Hub Findings - Imported' events");
        AddGuardDuty("source missing", e => e.Remove("source"), "$.source", "is required");
        AddGuardDuty("account missing", e => e.Remove("account"), "$.account", "is required");
        AddGuardDuty("detail missing", e => e.Remove("detail"), "$.detail", "is required");
        AddGuardDuty("detail null", e => e["detail"] = null, "$.detail", "is required");
        AddGuardDuty("detail a string", e => e["detail"] = "{}", "$.detail", "expected an object, found a string");
        AddGuardDuty("detail an array", e => e["detail"] = new JsonArray(), "$.detail", "expected an object, found an array");

        // GuardDuty detail: required fields.
        foreach (var field in new[] { "arn", "id", "type", "severity", "accountId", "region", "resource" })
        {
            AddGuardDuty($"detail.{field} missing", e => e.Detail().Remove(field), $"$.detail.{field}", "is required");
        }

        AddGuardDuty("detail.resource.resourceType missing", e => e.Resource().Remove("resourceType"), "$.detail.resource.resourceType", "is required");
        AddGuardDuty("detail.resource a string", e => e.Detail()["resource"] = "Instance", "$.detail.resource", "expected an object, found a string");
        AddGuardDuty("detail.arn not an ARN", e => e.Detail()["arn"] = "finding/0ac1", "$.detail.arn", "'finding/0ac1' is not a GuardDuty finding ARN");
        AddGuardDuty("detail.arn of another service", e => e.Detail()["arn"] = "arn:aws:s3:::my-bucket", "$.detail.arn", "is not a GuardDuty finding ARN");
        AddGuardDuty("detail.partition bogus", e => e.Detail()["partition"] = "AWS", "$.detail.partition", "'AWS' is not an AWS partition");
        AddGuardDuty("detail.id 600 characters", e => e.Detail()["id"] = new string('a', 600), "$.detail.id", "is 600 characters long; at most 512 are accepted");
        AddGuardDuty("detail.type empty", e => e.Detail()["type"] = "", "$.detail.type", "must not be empty");

        // GuardDuty severity.
        AddGuardDuty("severity an object", e => e.Detail()["severity"] = new JsonObject { ["score"] = 8 }, "$.detail.severity", "expected a number, found an object");
        AddGuardDuty("severity a boolean", e => e.Detail()["severity"] = true, "$.detail.severity", "expected a number, found a boolean");
        AddGuardDuty("severity 11", e => e.Detail()["severity"] = 11, "$.detail.severity", "11 is outside GuardDuty's 0-10 scale");
        AddGuardDuty("severity -1", e => e.Detail()["severity"] = -1, "$.detail.severity", "-1 is outside GuardDuty's 0-10 scale");
        AddGuardDuty("severity 10.01", e => e.Detail()["severity"] = 10.01, "$.detail.severity", "10.01 is outside GuardDuty's 0-10 scale");
        AddGuardDuty("severity a word", e => e.Detail()["severity"] = "HIGH", "$.detail.severity", "expected a number, found the string 'HIGH'");
        AddGuardDuty("severity with a decimal comma", e => e.Detail()["severity"] = "8,0", "$.detail.severity", "expected a number, found the string '8,0'");
        AddGuardDuty("severity \"NaN\"", e => e.Detail()["severity"] = "NaN", "$.detail.severity", "expected a finite number");
        AddGuardDuty("severity \"Infinity\"", e => e.Detail()["severity"] = "Infinity", "$.detail.severity", "expected a finite number");
        Add("severity 1e400 overflows a double", GuardDuty().With(e => e.Detail()["severity"] = RawPlaceholder).WithRaw("1e400"), "$.detail.severity", "expected a finite number");

        // GuardDuty instance ids.
        AddInstanceId("instance id not hex", "i-XYZ", $"'i-XYZ' {NotInstanceId}");
        AddInstanceId("instance id too short", "i-0123", $"'i-0123' {NotInstanceId}");
        AddInstanceId("instance id of 9 digits", "i-012345678", NotInstanceId);
        AddInstanceId("instance id upper-case hex", "i-0123456789ABCDEF0", $"'i-0123456789ABCDEF0' {NotInstanceId}");
        AddInstanceId("instance id upper-case prefix", "I-0123456789abcdef0", NotInstanceId);
        AddInstanceId("instance id fullwidth digits", "i-０１２３４５６７", $"'i-０１２３４５６７' {NotInstanceId}");
        AddInstanceId("instance id with a zero-width space", "i-0123\u200B4567", @"'i-0123\u200B4567'");
        AddInstanceId("instance id with shell injection", "i-99999999; rm -rf /", $"'i-99999999; rm -rf /' {NotInstanceId}");
        AddInstanceId("instance id with a trailing newline", "i-0123456789abcdef0\n", @"'i-0123456789abcdef0\u000A'");
        AddInstanceId("instance id with a bidi override", "i-01234567\u202Efedcba", @"'i-01234567\u202Efedcba'");
        AddInstanceId("instance id with a line separator", "i-01234567\u2028ERROR forged", @"'i-01234567\u2028ERROR forged'");
        AddInstanceId("instance id an ARN", "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0", NotInstanceId);
        AddGuardDuty("instance id a number", e => e.InstanceDetails()["instanceId"] = 1234567890, InstanceIdPath, "expected a string, found a number");
        AddGuardDuty("instance id missing for an Instance", e => e.InstanceDetails().Remove("instanceId"), InstanceIdPath, "is required");
        AddGuardDuty("instanceDetails missing for an Instance", e => e.Resource().Remove("instanceDetails"), "$.detail.resource.instanceDetails", "is required");

        // GuardDuty account, Region, role, sample flag.
        AddGuardDuty("accountId of 5 digits", e => e.Detail()["accountId"] = "12345", "$.detail.accountId", "'12345' is not a 12-digit AWS account id");
        AddGuardDuty("accountId of 13 digits", e => e.Detail()["accountId"] = "1234567890123", "$.detail.accountId", "is not a 12-digit AWS account id");
        AddGuardDuty("accountId fullwidth digits", e => e.Detail()["accountId"] = "１２３４５６７８９０１２", "$.detail.accountId", "is not a 12-digit AWS account id");
        AddGuardDuty("accountId a number", e => e.Detail()["accountId"] = 123456789012, "$.detail.accountId", "expected a string, found a number");
        AddGuardDuty("region upper-case", e => e.Detail()["region"] = "US-EAST-1", "$.detail.region", "'US-EAST-1' is not an AWS Region code");
        AddGuardDuty("region without its number", e => e.Detail()["region"] = "us-east-", "$.detail.region", "is not an AWS Region code");
        AddGuardDuty("region with a path", e => e.Detail()["region"] = "../../etc", "$.detail.region", "is not an AWS Region code");
        AddGuardDuty("resourceRole unknown", e => e.Detail()["service"]!["resourceRole"] = "BYSTANDER", "$.detail.service.resourceRole", "'BYSTANDER' is neither ACTOR nor TARGET");
        AddGuardDuty("service an array", e => e.Detail()["service"] = new JsonArray(), "$.detail.service", "expected an object, found an array");
        AddGuardDuty("sample flag a word", e => e.Detail()["service"]!["additionalInfo"]!["sample"] = "yes", "$.detail.service.additionalInfo.sample", "expected true or false, found a string");
        AddGuardDuty(
            "sample flag in additionalInfo.value a word",
            e => e.Detail()["service"]!["additionalInfo"] = new JsonObject { ["value"] = "{\"sample\":\"yes\"}" },
            "$.detail.service.additionalInfo.value.sample",
            "expected true or false, found a string");
        AddGuardDuty("sample flag a number", e => e.Detail()["service"]!["additionalInfo"]!["sample"] = 1, "$.detail.service.additionalInfo.sample", "expected true or false, found a number");

        // Security Hub envelope.
        AddCustomAction("custom action without resources", e => e.Remove("resources"), "$.resources", "is required");
        AddCustomAction("custom action with empty resources", e => e["resources"] = new JsonArray(), "$.resources", "has 0 entries; at least 1 expected");
        AddCustomAction("custom action with no action ARN", e => e["resources"] = new JsonArray("arn:aws:securityhub:us-east-1:111122223333:hub/default", "action/custom/contain"), "$.resources", "names no Security Hub custom action ARN");
        AddCustomAction("custom action ARN of another service", e => e["resources"] = new JsonArray("arn:aws:sns:us-east-1:111122223333:action/custom/contain"), "$.resources", "names no Security Hub custom action ARN");
        AddCustomAction("custom action resources holding a number", e => e["resources"] = new JsonArray(42), "$.resources[0]", "expected a string, found a number");
        AddCustomAction("findings missing", e => e.Detail().Remove("findings"), "$.detail.findings", "is required");
        AddCustomAction("findings empty", e => e.Detail()["findings"] = new JsonArray(), "$.detail.findings", "has 0 entries; at least 1 expected");
        AddCustomAction("findings an object", e => e.Detail()["findings"] = AsffFinding(), "$.detail.findings", "expected an array, found an object");
        AddCustomAction("findings holding null", e => e.Detail()["findings"] = new JsonArray((JsonNode?)null), Finding0, "expected an object, found null");
        AddCustomAction("101 findings", e => e.Detail()["findings"] = Repeat(AsffFinding, 101), "$.detail.findings", "has 101 entries; at most 100 are accepted");
        Add("10,000 findings", CustomAction().With(e => e.Detail()["findings"] = RawPlaceholder).WithRaw(RepeatRaw("{}", 10_000)), "$.detail.findings", "has 10000 entries; at most 100 are accepted");
        Add("imported with findings missing", Imported().With(e => e.Detail().Remove("findings")).Utf8(), "$.detail.findings", "is required");

        // ASFF finding: required fields.
        foreach (var field in new[] { "Id", "ProductArn", "AwsAccountId", "Types", "Severity", "Resources" })
        {
            AddAsff($"ASFF {field} missing", f => f.Remove(field), $"{Finding0}.{field}", "is required");
        }

        AddCustomAction("ASFF Id missing in the second finding", e => e.Findings().Add(AsffFinding().With(f => f.Remove("Id"))), "$.detail.findings[1].Id", "is required");
        AddAsff("ASFF Id 513 characters", f => f["Id"] = new string('x', 513), $"{Finding0}.Id", "is 513 characters long; at most 512 are accepted");
        AddAsff("ASFF ProductArn not an ARN", f => f["ProductArn"] = "product/aws/guardduty", $"{Finding0}.ProductArn", "'product/aws/guardduty' is not a Security Hub product ARN");
        AddAsff("ASFF ProductArn not a product", f => f["ProductArn"] = "arn:aws:securityhub:us-east-1:123456789012:hub/default", $"{Finding0}.ProductArn", "is not a Security Hub product ARN");
        AddAsff("ASFF ProductArn partition bogus", f => f["ProductArn"] = "arn:evil:securityhub:us-east-1::product/aws/guardduty", $"{Finding0}.ProductArn", "'evil' is not an AWS partition");
        AddAsff("ASFF Types empty", f => f["Types"] = new JsonArray(), $"{Finding0}.Types", "has 0 entries; at least 1 expected");
        AddAsff("ASFF Types holding a number", f => f["Types"] = new JsonArray(7), $"{Finding0}.Types[0]", "expected a string, found a number");
        AddAsff("ASFF Types a string", f => f["Types"] = "TTPs", $"{Finding0}.Types", "expected an array, found a string");
        AddAsff("ASFF Region malformed", f => f["Region"] = "moon-base-1", $"{Finding0}.Region", "'moon-base-1' is not an AWS Region code");
        AddAsff("ASFF Region with a bidi override", f => f["Region"] = "us-east-1\u202E", $"{Finding0}.Region", @"'us-east-1\u202E' is not an AWS Region code");
        AddAsff("ASFF resourceRole unknown", f => f["ProductFields"]!["aws/guardduty/service/resourceRole"] = "bystander", $"{Finding0}.ProductFields['aws/guardduty/service/resourceRole']", "'bystander' is neither ACTOR nor TARGET");
        AddAsff("ASFF Sample a word", f => f["Sample"] = "maybe", $"{Finding0}.Sample", "expected true or false");

        // ASFF severity.
        AddAsff("ASFF Severity with neither Label nor Normalized", f => f["Severity"] = new JsonObject { ["Product"] = 8, ["Original"] = "8" }, $"{Finding0}.Severity", "has neither Label nor Normalized");
        AddAsff("ASFF Severity with both null", f => f["Severity"] = new JsonObject { ["Label"] = null, ["Normalized"] = null }, $"{Finding0}.Severity", "has neither Label nor Normalized");
        AddAsff("ASFF Severity a string", f => f["Severity"] = "HIGH", $"{Finding0}.Severity", "expected an object, found a string");
        AddAsff("ASFF Label bogus", f => f["Severity"]!["Label"] = "SEVERE", $"{Finding0}.Severity.Label", "'SEVERE' is not one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL");
        AddAsff("ASFF Label an undefined number", f => f["Severity"]!["Label"] = "5", $"{Finding0}.Severity.Label", "'5' is not one of");
        AddAsff("ASFF Label a defined number", f => f["Severity"]!["Label"] = "2", $"{Finding0}.Severity.Label", "'2' is not one of");
        AddAsff("ASFF Label a signed number", f => f["Severity"]!["Label"] = "+3", $"{Finding0}.Severity.Label", "'+3' is not one of");
        AddAsff("ASFF Label a padded number", f => f["Severity"]!["Label"] = " 3", $"{Finding0}.Severity.Label", "' 3' is not one of");
        AddAsff("ASFF Label with dotless i", f => f["Severity"]!["Label"] = "crıtıcal", $"{Finding0}.Severity.Label", "'crıtıcal' is not one of");
        AddAsff("ASFF Label a list of labels", f => f["Severity"]!["Label"] = "LOW,MEDIUM", $"{Finding0}.Severity.Label", "'LOW,MEDIUM' is not one of");
        AddAsff("ASFF Label a number", f => f["Severity"]!["Label"] = 70, $"{Finding0}.Severity.Label", "expected a string, found a number");
        AddAsff("ASFF Normalized 150", f => f["Severity"]!["Normalized"] = 150, $"{Finding0}.Severity.Normalized", "150 is outside the 0-100 scale");
        AddAsff("ASFF Normalized -1", f => f["Severity"]!["Normalized"] = -1, $"{Finding0}.Severity.Normalized", "-1 is outside the 0-100 scale");
        AddAsff("ASFF Normalized a word", f => f["Severity"]!["Normalized"] = "high", $"{Finding0}.Severity.Normalized", "expected a number, found the string 'high'");

        // ASFF resources.
        AddAsff("ASFF Resources with 33 entries", f => f["Resources"] = Repeat(() => AsffFinding()["Resources"]![0]!.DeepClone(), 33), $"{Finding0}.Resources", "has 33 entries; at most 32 are accepted");
        AddAsff("ASFF Resources an object", f => f["Resources"] = new JsonObject(), $"{Finding0}.Resources", "expected an array, found an object");
        AddAsff("ASFF resource a string", f => f["Resources"] = new JsonArray("AwsEc2Instance"), $"{Finding0}.Resources[0]", "expected an object, found a string");
        AddAsff("ASFF resource Type missing", f => f["Resources"]![0]!.AsObject().Remove("Type"), $"{Finding0}.Resources[0].Type", "is required");
        AddAsff("ASFF resource Id missing", f => f["Resources"]![0]!.AsObject().Remove("Id"), $"{Finding0}.Resources[0].Id", "is required");
        AddAsff("ASFF instance Id a volume ARN", f => f["Resources"]![0]!["Id"] = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0", $"{Finding0}.Resources[0].Id", "is not an EC2 instance ARN");
        AddAsff("ASFF instance Id an S3 ARN", f => f["Resources"]![0]!["Id"] = "arn:aws:s3:::instance/i-0123456789abcdef0", $"{Finding0}.Resources[0].Id", "is not an EC2 instance ARN");
        AddAsff(
            "ASFF second instance with a bad id",
            f => f["Resources"]!.AsArray().Add(new JsonObject { ["Type"] = "AwsEc2Instance", ["Id"] = "arn:aws:ec2:us-east-1:123456789012:instance/i-XYZ" }),
            $"{Finding0}.Resources[1].Id",
            $"'i-XYZ' {NotInstanceId}");
        AddAsff("ASFF instance ARN with a bad account", f => f["Resources"]![0]!["Id"] = "arn:aws:ec2:us-east-1:12345:instance/i-0123456789abcdef0", $"{Finding0}.Resources[0].Id", "account '12345' is not a 12-digit AWS account id");
        AddAsff("ASFF bare instance id malformed", f => f["Resources"]![0]!["Id"] = "i-0123456789abcdefg", $"{Finding0}.Resources[0].Id", $"'i-0123456789abcdefg' {NotInstanceId}");
        AddAsff(
            "ASFF bare instance id with a bad finding account",
            f =>
            {
                f["AwsAccountId"] = "not-an-account";
                f["Resources"]![0]!["Id"] = InstanceIdText;
            }, $"{Finding0}.Resources[0].Id", "account 'not-an-account' is not a 12-digit AWS account id");
        AddAsff("ASFF instance Region malformed", f => f["Resources"]![0]!["Region"] = "us_east_1", $"{Finding0}.Resources[0].Region", "'us_east_1' is not an AWS Region code");

        // Text that is not Unicode: JsonElement.GetString throws for it, which must not escape.
        const string NotUnicode = "is not valid Unicode text (invalid UTF-8 or an unpaired surrogate)";
        const string LoneSurrogate = "\"ok\\uD800\"";
        Add("invalid UTF-8 bytes in detail.type", WithRawBytes(GuardDuty().With(e => e.Detail()["type"] = RawPlaceholder), [0x22, 0x41, 0xFF, 0xFE, 0x22]), "$.detail.type", NotUnicode);
        Add("overlong UTF-8 encoding in detail.region", WithRawBytes(GuardDuty().With(e => e.Detail()["region"] = RawPlaceholder), [0x22, 0xC0, 0xAF, 0x22]), "$.detail.region", NotUnicode);
        Add("unpaired surrogate escape in detail-type", GuardDuty().With(e => e["detail-type"] = RawPlaceholder).WithRaw(LoneSurrogate), "$['detail-type']", NotUnicode);
        Add("unpaired low surrogate escape in detail.arn", GuardDuty().With(e => e.Detail()["arn"] = RawPlaceholder).WithRaw("\"\\uDC00arn\""), "$.detail.arn", NotUnicode);
        Add("unpaired surrogate escape in a numeric string", GuardDuty().With(e => e.Detail()["severity"] = RawPlaceholder).WithRaw(LoneSurrogate), "$.detail.severity", NotUnicode);
        Add("unpaired surrogate escape in a boolean string", GuardDuty().With(e => e.Detail()["service"]!["additionalInfo"]!["sample"] = RawPlaceholder).WithRaw(LoneSurrogate), "$.detail.service.additionalInfo.sample", NotUnicode);
        Add("unpaired surrogate escape in an ASFF Types entry", CustomAction().With(e => e.Finding()["Types"] = new JsonArray(RawPlaceholder)).WithRaw(LoneSurrogate), $"{Finding0}.Types[0]", NotUnicode);
        Add("unpaired surrogate escape in custom action resources", CustomAction().With(e => e["resources"] = new JsonArray(RawPlaceholder)).WithRaw(LoneSurrogate), "$.resources[0]", NotUnicode);
        Add("unpaired surrogate escape in a property name", GuardDuty().With(e => e.Detail()["extra"] = RawPlaceholder).WithRaw("1, \"\\uD800\": 2"), "$", "has a property name that is not valid Unicode text");

        // Size and depth.
        AddGuardDuty("a megabyte-long string", e => e.Detail()["title"] = Long('A', 1024 * 1024), "$", "EventBridge events are at most 262144");
        Add("one byte over 256 KiB", PaddedTo(IntakeLimits.MaxEventBytes + 1), "$", "the event is 262145 bytes");
        Add("1,000 nested arrays in detail", GuardDuty().With(e => e.Detail()["extra"] = RawPlaceholder).WithRaw(Nested("[", "]", 1_000)), "$", "maximum configured depth of 64");
        Add("100 nested objects in detail", GuardDuty().With(e => e.Detail()["extra"] = RawPlaceholder).WithRaw(Nested("{\"a\":", "}", 100, "1")), "$", "maximum configured depth of 64");


        // Ambiguous input: one key twice would let an event say one thing and mean another.
        Add("instanceId given twice", GuardDuty().With(e => e.InstanceDetails()["instanceId"] = RawPlaceholder)
            .WithRaw("\"i-aaaaaaaa\", \"instanceId\": \"i-bbbbbbbb\""), "$", "Duplicate");
        AddAsff("ASFF Types entry blank", f => f["Types"] = new JsonArray(""), $"{Finding0}.Types[0]", "must not be empty");

        return data;
    }

    private static byte[] Truncated(string json, double fraction) => json[..(int)(json.Length * fraction)].Utf8();

    public static JsonArray Repeat(Func<JsonNode> make, int count)
    {
        var array = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            array.Add(make());
        }

        return array;
    }

    private static string RepeatRaw(string item, int count)
    {
        var builder = new StringBuilder((item.Length + 1) * count + 2).Append('[');
        for (var i = 0; i < count; i++)
        {
            builder.Append(i == 0 ? "" : ",").Append(item);
        }

        return builder.Append(']').ToString();
    }

    private static string Nested(string open, string close, int depth, string innermost = "")
    {
        var builder = new StringBuilder((open.Length + close.Length) * depth + innermost.Length);
        builder.Insert(0, open, depth);
        builder.Append(innermost);
        builder.Insert(builder.Length, close, depth);
        return builder.ToString();
    }

    private static byte[] WithRawBytes(JsonNode node, byte[] raw)
    {
        var parts = node.ToJsonString().Split($"\"{RawPlaceholder}\"");
        return parts.Length == 2 ? [.. parts[0].Utf8(), .. raw, .. parts[1].Utf8()] : throw new InvalidOperationException("expected one placeholder");
    }
}
