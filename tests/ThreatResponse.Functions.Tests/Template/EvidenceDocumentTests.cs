using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Testing;
using ThreatResponse.Testing.CloudFormation;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// The Systems Manager document that runs the evidence collection script, in template.yaml (the security account's
/// own instances) and templates/member-role.yaml (member accounts): the script inlined byte for byte, the document's
/// parameters reaching the shell only as single-quoted arguments whose patterns admit no quote, and the member role
/// allowed to run exactly that document.
/// </summary>
public sealed partial class EvidenceDocumentTests
{
    private const string Resync = "run evidence/inline-into-templates.sh after changing evidence/collect-evidence.sh";

    /// <summary>The first command: the document's parameters as the script's positional arguments (the fourth, the world-writable directories, left at the script's default).</summary>
    private const string Arguments = "set -- '{{ uploadUrl }}' '{{ maxBytes }}' '{{ label }}'";

    public static TheoryData<string> Templates() => ["template.yaml", "templates/member-role.yaml", "templates/evidence-document.yaml"];

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Document_InlinedScript_IsByteIdenticalToTheRepositorysScript(string template)
    {
        var runCommand = RunCommand(await DocumentAsync(template));

        Assert.Equal(2, runCommand.Count);
        var inlined = Encoding.UTF8.GetBytes(runCommand[1]);
        var script = await File.ReadAllBytesAsync(Path.Combine(RepositoryRoot.Path, "evidence", "collect-evidence.sh"));
        Assert.True(script.AsSpan().SequenceEqual(inlined), $"{template}: the inlined script differs from evidence/collect-evidence.sh ({inlined.Length} vs {script.Length} bytes): {Resync}");
    }

    /// <summary>
    /// The hash the functions check a deployed document against (and refuse collection when it differs) is the canonical
    /// SHA-256 of the document each template ships: the code and the templates cannot drift apart.
    /// </summary>
    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Document_ShippedHashInCode_IsTheCanonicalSha256OfTheTemplatesContent(string template)
    {
        var content = (await DocumentAsync(template))["Properties"]!["Content"]!.ToJsonString();

        Assert.True(ShippedEvidenceDocument.ContentSha256 == ShippedEvidenceDocument.CanonicalSha256(content),
            $"{template}: the document's canonical SHA-256 is {ShippedEvidenceDocument.CanonicalSha256(content)}, ShippedEvidenceDocument.ContentSha256 is {ShippedEvidenceDocument.ContentSha256}: set it to the template's in the same change");
    }

    [Fact]
    public async Task Documents_OfTheStackAndTheMemberRole_AreTheSameDocumentUnderTheSameName()
    {
        var stack = await DocumentAsync("template.yaml");
        var member = await DocumentAsync("templates/member-role.yaml");

        Assert.True(JsonNode.DeepEquals(stack["Properties"]!["Content"], member["Properties"]!["Content"]), $"the two documents' contents differ: {Resync}");
        foreach (var property in new[] { "DocumentType", "DocumentFormat", "UpdateMethod" })
        {
            Assert.Equal(stack["Properties"]![property]!.GetValue<string>(), member["Properties"]![property]!.GetValue<string>());
        }

        var stackParameter = (await SamTemplate.TranslatedAsync())["Parameters"]!["EvidenceDocumentName"]!;
        var memberParameter = (await SamTemplate.ReadAsync("templates/member-role.yaml"))["Parameters"]!["EvidenceDocumentName"]!;
        Assert.Equal("ThreatResponse-CollectEvidence", stackParameter["Default"]!.GetValue<string>());
        Assert.Equal(stackParameter["Default"]!.GetValue<string>(), memberParameter["Default"]!.GetValue<string>());
        Assert.Equal(stackParameter["AllowedPattern"]!.GetValue<string>(), memberParameter["AllowedPattern"]!.GetValue<string>());
        Assert.Equal("EvidenceDocumentName", stack["Properties"]!["Name"]!["Ref"]!.GetValue<string>());
        Assert.Equal("EvidenceDocumentName", member["Properties"]!["Name"]!["Ref"]!.GetValue<string>());
    }

    /// <summary>
    /// The other Regions' document (a StackSet of templates/evidence-document.yaml) is the same document under the same
    /// name, and in the member role stack's Region, which has it already, the stack creates nothing.
    /// </summary>
    [Fact]
    public async Task OtherRegionsDocument_SameDocumentAndNothingInTheMemberRoleStacksRegion()
    {
        var member = await DocumentAsync("templates/member-role.yaml");
        var template = await SamTemplate.ReadAsync("templates/evidence-document.yaml");
        var other = template["Resources"]!["EvidenceDocument"]!;
        Assert.True(JsonNode.DeepEquals(member["Properties"], other["Properties"]), $"the two documents differ: {Resync}");
        Assert.Equal(
            (await SamTemplate.ReadAsync("templates/member-role.yaml"))["Parameters"]!["EvidenceDocumentName"]!["Default"]!.GetValue<string>(),
            template["Parameters"]!["EvidenceDocumentName"]!["Default"]!.GetValue<string>());

        var parameters = new Dictionary<string, string> { ["MemberRoleRegion"] = "us-east-1" };
        var home = CloudFormationRenderer.Render(template, new StackDeployment("threat-response-evidence-document", parameters, Region: "us-east-1"));
        var elsewhere = CloudFormationRenderer.Render(template, new StackDeployment("threat-response-evidence-document", parameters, Region: "eu-west-1"));
        Assert.Equal(["DocumentIsInTheMemberRoleStack"], home.Resources.Keys);
        Assert.Equal(["EvidenceDocument"], elsewhere.Resources.Keys);
        Assert.Equal("ThreatResponse-CollectEvidence", elsewhere.Resources["EvidenceDocument"].Properties["Name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Document_Shape_OneLinuxShellStepBoundedByTheExecutionTimeout()
    {
        var document = await DocumentAsync("template.yaml");
        var properties = document["Properties"]!;
        var content = properties["Content"]!;

        Assert.Equal("Command", properties["DocumentType"]!.GetValue<string>());
        Assert.Equal("JSON", properties["DocumentFormat"]!.GetValue<string>());
        Assert.Equal("NewVersion", properties["UpdateMethod"]!.GetValue<string>());
        Assert.Equal("2.2", content["schemaVersion"]!.GetValue<string>());
        var step = Assert.Single(content["mainSteps"]!.AsArray())!;
        Assert.Equal("aws:runShellScript", step["action"]!.GetValue<string>());
        Assert.Equal(["platformType", "Linux"], step["precondition"]!["StringEquals"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("{{ executionTimeout }}", step["inputs"]!["timeoutSeconds"]!.GetValue<string>());

        var parameters = content["parameters"]!.AsObject();
        Assert.Equal(["executionTimeout", "label", "maxBytes", "uploadUrl"], parameters.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.All(parameters, p => Assert.Equal("String", p.Value!["type"]!.GetValue<string>()));
        Assert.Equal("104857600", parameters["maxBytes"]!["default"]!.GetValue<string>());
        Assert.Equal("600", parameters["executionTimeout"]!["default"]!.GetValue<string>());
        Assert.Equal("^[A-Za-z0-9/_.:-]{1,200}$", parameters["label"]!["allowedPattern"]!.GetValue<string>());
        foreach (var (name, parameter) in parameters)
        {
            if (parameter!["default"] is JsonNode value)
            {
                Assert.True(Admits(parameter["allowedPattern"]!.GetValue<string>(), value.GetValue<string>()), $"{name}: its default does not match its pattern");
            }
        }
    }

    /// <summary>
    /// Systems Manager substitutes <c>{{ name }}</c> as text before the shell reads the commands: every substitution
    /// must be a whole single-quoted word, and the value's pattern must refuse a quote (which would end the quoting) and
    /// whitespace.
    /// </summary>
    [Fact]
    public async Task Document_Parameters_ReachTheShellOnlyAsSingleQuotedArguments()
    {
        var document = await DocumentAsync("template.yaml");
        var runCommand = RunCommand(document);
        var parameters = document["Properties"]!["Content"]!["parameters"]!.AsObject();

        Assert.Equal(Arguments, runCommand[0]);
        var commands = string.Join("\n", runCommand);
        var substitutions = Substitution().Matches(commands);
        var quoted = QuotedArgument().Matches(commands);
        Assert.Equal(substitutions.Count, quoted.Count);
        Assert.Equal(["label", "maxBytes", "uploadUrl"], quoted.Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("{{", runCommand[1], StringComparison.Ordinal);

        var valid = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["uploadUrl"] = "https://bucket.s3.us-east-1.amazonaws.com/evidence/123456789012/us-east-1/i-0a1b2c3d4e5f60718/f1/20261129T100000Z.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261129%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0a1b",
            ["maxBytes"] = "104857600",
            ["label"] = "123456789012/us-east-1/i-0a1b2c3d4e5f60718/arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/f1",
        };
        foreach (var (name, sample) in valid)
        {
            var pattern = parameters[name]!["allowedPattern"]!.GetValue<string>();
            Assert.True(Admits(pattern, sample), $"{name}: {pattern} refuses {sample}");
            foreach (var hostile in new[] { "'", " ", "\n", "\t" })
            {
                Assert.False(Admits(pattern, sample + hostile), $"{name}: {pattern} admits a value ending in {hostile}");
                Assert.False(Admits(pattern, sample[..4] + hostile + sample[4..]), $"{name}: {pattern} admits a value containing {hostile}");
            }
        }

        // The bucket refuses plain HTTP anyway; the document does not even pass such a URL on.
        Assert.False(Admits(parameters["uploadUrl"]!["allowedPattern"]!.GetValue<string>(), "http://bucket.s3.amazonaws.com/evidence/x"));
    }

    /// <summary>
    /// The argument line run by sh with values substituted as Systems Manager substitutes them: even values the patterns
    /// would refuse for other reasons (command substitutions, separators, globs) arrive as single literal arguments,
    /// and the whole command list parses.
    /// </summary>
    [Fact]
    public async Task Document_ArgumentLine_UnderSh_PassesEachValueLiterallyAsOneArgument()
    {
        var runCommand = RunCommand(await DocumentAsync("template.yaml"));
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["uploadUrl"] = "https://b.s3.amazonaws.com/evidence/k?a=1&b=$(id)&c=`id`;id|id>x*",
            ["maxBytes"] = "104857600",
            ["label"] = "$HOME/${PATH}/*/..",
        };
        var line = Substitution().Replace(runCommand[0], m => values[m.Groups[1].Value]);

        var (exit, stdout) = await ShAsync(line + "\nprintf '%s\\n' \"$#\" \"$@\"\n");
        Assert.Equal(0, exit);
        Assert.Equal(["3", values["uploadUrl"], values["maxBytes"], values["label"]], stdout.TrimEnd('\n').Split('\n'));

        var (syntax, _) = await ShAsync(string.Join("\n", runCommand), "-n");
        Assert.Equal(0, syntax);
    }

    [Fact]
    public async Task MemberRole_RunCommand_OnlyTheEvidenceDocumentOnThisAccountsInstances()
    {
        var member = CloudFormationRenderer.Render(await SamTemplate.ReadAsync("templates/member-role.yaml"),
            new StackDeployment("threat-response-member", new Dictionary<string, string> { ["SecurityAccountId"] = "111122223333" }, Account: "444455556666"));
        var statements = member.Resources["MemberRole"].Properties["Policies"]!.AsArray()
            .SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray()).Select(s => s!.AsObject()).ToList();

        var ssm = statements.Where(s => Strings(s["Action"]).Any(a => a.StartsWith("ssm:", StringComparison.Ordinal))).ToList();
        Assert.Equal(["ssm:DescribeDocument", "ssm:DescribeInstanceInformation", "ssm:GetCommandInvocation", "ssm:GetDocument", "ssm:SendCommand"], ssm.SelectMany(s => Strings(s["Action"])).Order(StringComparer.Ordinal));
        var send = Assert.Single(ssm, s => Strings(s["Action"]).Contains("ssm:SendCommand"));
        Assert.Equal(["ssm:SendCommand"], Strings(send["Action"]));
        Assert.Equal(["arn:aws:ssm:*:444455556666:document/ThreatResponse-CollectEvidence", "arn:aws:ec2:*:444455556666:instance/*"], Strings(send["Resource"]));
        // The document's check before sending reads that document only.
        var check = Assert.Single(ssm, s => Strings(s["Action"]).Contains("ssm:GetDocument"));
        Assert.Equal(["ssm:DescribeDocument", "ssm:GetDocument"], Strings(check["Action"]));
        Assert.Equal(["arn:aws:ssm:*:444455556666:document/ThreatResponse-CollectEvidence"], Strings(check["Resource"]));
        Assert.Equal("ThreatResponse-CollectEvidence", member.Resources["EvidenceDocument"].Properties["Name"]!.GetValue<string>());

        // Nothing here lets the functions read or write S3: the archive goes to the security account's bucket only.
        Assert.DoesNotContain(statements.SelectMany(s => Strings(s["Action"])), a => a.StartsWith("s3:", StringComparison.Ordinal));
    }

    private static async Task<JsonObject> DocumentAsync(string template)
    {
        var translated = template == "template.yaml" ? await SamTemplate.TranslatedAsync() : await SamTemplate.ReadAsync(template);
        var document = translated["Resources"]!["EvidenceDocument"]!.AsObject();
        Assert.Equal("AWS::SSM::Document", document["Type"]!.GetValue<string>());
        return document;
    }

    private static List<string> RunCommand(JsonObject document) =>
        [.. Assert.Single(document["Properties"]!["Content"]!["mainSteps"]!.AsArray())!["inputs"]!["runCommand"]!.AsArray().Select(c => c!.GetValue<string>())];

    private static async Task<(int Exit, string Stdout)> ShAsync(string script, string? option = null)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        if (option is not null)
        {
            start.ArgumentList.Add(option);
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0 || option is null, $"sh {option}: {await stderr}");
        return (process.ExitCode, await stdout);
    }

    /// <summary>Whether <paramref name="pattern"/> admits the whole of <paramref name="value"/> (a trailing newline included).</summary>
    private static bool Admits(string pattern, string value) =>
        Regex.Match(value, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)) is { Success: true } match && match.Index == 0 && match.Length == value.Length;

    private static List<string> Strings(JsonNode? node) => node switch
    {
        null => [],
        JsonArray list => [.. list.Select(n => n!.GetValue<string>())],
        _ => [node.GetValue<string>()],
    };

    /// <summary>A parameter reference as Systems Manager reads it.</summary>
    [GeneratedRegex(@"\{\{\s*(\w+)\s*\}\}")]
    private static partial Regex Substitution();

    /// <summary>A parameter reference that is a whole single-quoted shell word.</summary>
    [GeneratedRegex(@"(?<=^|[ \t])'\{\{\s*(\w+)\s*\}\}'(?=[ \t]|$)", RegexOptions.Multiline)]
    private static partial Regex QuotedArgument();
}
