using System.Globalization;
using System.Text.Json.Nodes;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Intake;
using static ThreatResponse.Core.Tests.Intake.InlineEvents;

namespace ThreatResponse.Core.Tests.Intake;

/// <summary>
/// Malformed and hostile events: each is refused with the JSON path of the offending value and a message saying what is
/// wrong, and nothing is thrown. Past the not-even-an-object cases, each is a valid inline event (see
/// <see cref="Parse_UnmutatedInlineEvent_Succeeds"/>) with one thing broken, so the expected path is the only fault.
/// </summary>
public sealed class FindingEventParserMalformedTests
{
    private const string Finding0 = MalformedEventCorpus.Finding0;

    public static TheoryData<string, JsonInput, string, string> MalformedEvents() => MalformedEventCorpus.Cases();

    /// <summary>
    /// What fuzzing found (fuzz/README.md): each input on which the fuzz target failed, as a case of the theory below.
    /// </summary>
    public static TheoryData<string, JsonInput, string, string> FuzzFoundEvents()
    {
        var data = new TheoryData<string, JsonInput, string, string>();
        void AddTag(string name, string key, string expectedKey) => data.Add(
            name,
            new JsonInput(CustomAction().With(e => e.Finding()["Resources"]![0]!["Tags"] = new JsonObject { ["Name"] = "web", [key] = 7 }).Utf8()),
            $"{Finding0}.Resources[0].Tags['{expectedKey}']",
            "expected a string, found a number");

        // fuzz/run.sh mutate, seed 1, 228,110 executions: a tag key went into the error's path verbatim, newline and all
        // (the input is fuzz/corpus/regression-tag-key-in-path.json).
        AddTag("fuzz: ASFF tag key with a log-forging newline", "x\n2025-01-01 INFO all clear\u202E", @"x\u000A2025-01-01 INFO all clear\u202E");
        AddTag("fuzz: ASFF tag key 10,000 characters long", Long('k', 10_000), $"{Long('k', 64)}\u2026(10000 chars)");
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedEvents), DisableDiscoveryEnumeration = true)]
    [MemberData(nameof(FuzzFoundEvents), DisableDiscoveryEnumeration = true)]
    public void Parse_MalformedEvent_FailsWithPathAndMessage(string caseName, JsonInput input, string expectedPath, string messageFragment)
    {
        IntakeResult? result = null;
        var thrown = Record.Exception(() => result = FindingEventParser.Parse(input.Bytes));

        Assert.True(thrown is null, $"{caseName}: {thrown}");
        Assert.NotNull(result);
        Assert.False(result.IsSuccess, $"{caseName}: the event was accepted");
        Assert.Equal(expectedPath, result.Error.Path);
        Assert.Contains(messageFragment, result.Error.Message, StringComparison.Ordinal);

        // Whatever the input, the message is short and holds no character that could forge or hide a log line; nor does
        // the path, which is logged beside it.
        Assert.True(result.Error.Message.Length <= 400, $"{caseName}: message of {result.Error.Message.Length} characters");
        Assert.DoesNotContain(result.Error.Message, IsUnsafeInLog);
        Assert.True(result.Error.Path.Length <= 400, $"{caseName}: path of {result.Error.Path.Length} characters");
        Assert.DoesNotContain(result.Error.Path, IsUnsafeInLog);
    }

    /// <summary>Lenient readings of real-world quirks: these must be accepted, with the value they mean.</summary>
    public static TheoryData<string, JsonInput, Action<FindingEvent>> LenientEvents()
    {
        var data = new TheoryData<string, JsonInput, Action<FindingEvent>>();
        void Add(string name, JsonObject evt, Action<Finding> check) => data.Add(name, new JsonInput(evt.Utf8()), e => check(Assert.Single(e.Findings)));

        Add("severity as the string \"8.0\"", GuardDuty().With(e => e.Detail()["severity"] = "8.0"), f => Assert.Equal(new Severity(SeverityLabel.High, 80), f.Severity));
        Add("severity 10", GuardDuty().With(e => e.Detail()["severity"] = 10), f => Assert.Equal(new Severity(SeverityLabel.Critical, 100), f.Severity));
        Add("sample flag as the string \"true\"", GuardDuty().With(e => e.Detail()["service"]!["additionalInfo"]!["sample"] = "true"), f => Assert.True(f.Sample));
        Add("sample flag in additionalInfo.value", GuardDuty().With(e => e.Detail()["service"]!["additionalInfo"] = new JsonObject { ["value"] = "{\"sample\":true}", ["type"] = "default" }), f => Assert.True(f.Sample));
        Add("resourceRole in lower case", GuardDuty().With(e => e.Detail()["service"]!["resourceRole"] = "actor"), f => Assert.Equal(ResourceRole.Actor, f.ResourceRole));
        Add("resourceType other than Instance without instanceDetails", GuardDuty().With(e => e.Detail()["resource"] = new JsonObject { ["resourceType"] = "AccessKey" }), f => Assert.Empty(f.Instances));
        Add("ASFF with only Normalized", CustomAction().With(e => e.Finding()["Severity"] = new JsonObject { ["Normalized"] = 55 }), f => Assert.Equal(new Severity(SeverityLabel.Medium, 55), f.Severity));
        Add("ASFF with only Label", CustomAction().With(e => e.Finding()["Severity"] = new JsonObject { ["Label"] = "MEDIUM" }), f => Assert.Equal(new Severity(SeverityLabel.Medium, 40), f.Severity));
        Add("ASFF Label in lower case", CustomAction().With(e => e.Finding()["Severity"] = new JsonObject { ["Label"] = "critical" }), f => Assert.Equal(new Severity(SeverityLabel.Critical, 90), f.Severity));
        Add("ASFF Normalized as a string", CustomAction().With(e => e.Finding()["Severity"] = new JsonObject { ["Normalized"] = "72" }), f => Assert.Equal(new Severity(SeverityLabel.High, 72), f.Severity));
        Add(
            "ASFF instance ARN with a doubled colon",
            Imported().With(e => e.Finding()["Resources"] = new JsonArray(new JsonObject { ["Type"] = "AwsEc2Instance", ["Id"] = "arn:aws::ec2:us-east-1:193043430472:instance/i-0c10c2c7863d1a356" })),
            f => Assert.Equal(new InstanceReference(InstanceId.Parse("i-0c10c2c7863d1a356"), "193043430472", "us-east-1"), Assert.Single(f.Instances)));
        Add(
            "ASFF bare instance id",
            Imported().With(e => e.Finding()["Resources"]![0]!["Id"] = "i-0abcdef1"),
            f => Assert.Equal(new InstanceReference(InstanceId.Parse("i-0abcdef1"), FindingAccount, "us-east-1"), Assert.Single(f.Instances)));
        Add(
            "ASFF non-GuardDuty type kept as is",
            Imported().With(e => e.Finding()["ProductArn"] = "arn:aws:securityhub:us-east-1::product/aws/securityhub")
                .With(e => e.Finding()["Types"] = new JsonArray("Software and Configuration Checks/Vulnerabilities/CVE")),
            f => Assert.Equal("Software and Configuration Checks/Vulnerabilities/CVE", f.Type));
        Add(
            "unknown extra keys everywhere",
            CustomAction()
                .With(e => e["x-extra"] = new JsonObject { ["nested"] = new JsonArray(1, 2) })
                .With(e => e.Detail()["unexpected"] = true)
                .With(e => e.Finding()["FutureField"] = "value")
                .With(e => e.Finding()["Resources"]![0]!["Details"] = new JsonObject { ["AwsEc2Instance"] = new JsonObject { ["ImageId"] = "ami-0123" } }),
            f => Assert.Single(f.Instances));
        data.Add("UTF-8 byte-order mark before the JSON", new JsonInput([0xEF, 0xBB, 0xBF, .. GuardDuty().Utf8()]), e => Assert.Equal(FindingEventKind.GuardDutyFinding, e.Kind));
        data.Add("exactly 256 KiB", new JsonInput(PaddedTo(IntakeLimits.MaxEventBytes)), e => Assert.Single(e.Findings));
        data.Add("100 findings", new JsonInput(CustomAction().With(e => e.Detail()["findings"] = MalformedEventCorpus.Repeat(AsffFinding, 100)).Utf8()), e => Assert.Equal(100, e.Findings.Count));
        data.Add(
            "custom action ARN after other resources",
            new JsonInput(CustomAction().With(e => e["resources"] = new JsonArray("arn:aws:securityhub:us-east-1:111122223333:hub/default", CustomActionArn)).Utf8()),
            e => Assert.Equal(CustomActionArn, e.CustomActionArn));
        return data;
    }

    [Theory]
    [MemberData(nameof(LenientEvents), DisableDiscoveryEnumeration = true)]
    public void Parse_LenientButValidEvent_Succeeds(string caseName, JsonInput input, Action<FindingEvent> check)
    {
        var result = FindingEventParser.Parse(input.Bytes);

        Assert.True(result.IsSuccess, $"{caseName}: {result.Error}");
        check(result.Event);
    }

    [Fact]
    public void MalformedEvents_Corpus_HasAtLeast35DistinctCases()
    {
        var names = MalformedEvents().Select(row => (string)row[0]).ToList();

        Assert.True(names.Count >= 35, $"{names.Count} cases");
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("GuardDuty")]
    [InlineData("CustomAction")]
    [InlineData("Imported")]
    public void Parse_UnmutatedInlineEvent_Succeeds(string which)
    {
        // The corpus mutates these; were they refused, every malformed case would pass for the wrong reason.
        var evt = which switch
        {
            "GuardDuty" => GuardDuty(),
            "CustomAction" => CustomAction(),
            _ => Imported(),
        };

        var result = FindingEventParser.Parse(evt.Utf8());

        Assert.True(result.IsSuccess, result.Error?.ToString());
        var finding = Assert.Single(result.Event.Findings);
        Assert.Equal("UnauthorizedAccess:EC2/SSHBruteForce", finding.Type);
        Assert.Equal(ResourceRole.Target, finding.ResourceRole);
        Assert.False(finding.Sample);
        Assert.Equal(new InstanceReference(InstanceId.Parse(InstanceIdText), FindingAccount, "us-east-1"), Assert.Single(finding.Instances));
    }

    [Fact]
    public void Parse_InvalidJson_ReportsOneBasedLineAndByteOnce()
    {
        var result = FindingEventParser.Parse("{\n  \"detail-type\": @\n}"u8.ToArray());

        Assert.False(result.IsSuccess);
        Assert.Equal("$", result.Error.Path);
        Assert.StartsWith("not valid JSON (line 2, byte 18): ", result.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_StreamOverLimit_FailsAtRoot()
    {
        using var stream = new MemoryStream(PaddedTo(IntakeLimits.MaxEventBytes + 1));

        var result = await FindingEventParser.ParseAsync(stream, CancellationToken.None);

        Assert.False(result.IsSuccess);
        Assert.Equal("$", result.Error.Path);
        Assert.Contains("larger than 262144 bytes", result.Error.Message, StringComparison.Ordinal);
    }

    private static bool IsUnsafeInLog(char c) =>
        char.IsControl(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
