using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace ThreatResponse.Cli.Demo;

/// <summary>Shows the demo's result as the people who use ThreatResponse would look at it.</summary>
internal static class DemoRenderer
{
    public static void Render(IAnsiConsole console, DemoResult result)
    {
        console.Write(new Rule($"[bold]{result.Name}[/] ({Markup.Escape(result.InstanceId)}): before, contained, released").LeftJustified());
        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn("Before").AddColumn("After containment").AddColumn("After release");
        Row(table, "State", v => v.State, result);
        for (var i = 0; i < result.Before.NetworkInterfaces.Count; i++)
        {
            var index = i;
            Row(table, $"{result.Before.NetworkInterfaces[i].Id} groups", v => index < v.NetworkInterfaces.Count ? string.Join(", ", v.NetworkInterfaces[index].Groups) : "-", result);
        }

        Row(table, "Metadata endpoint", v => v.MetadataEndpoint, result);
        Row(table, "Instance profile", v => v.InstanceProfile?[(v.InstanceProfile.LastIndexOf('/') + 1)..] ?? "none", result);
        Row(table, "Termination protection", v => v.TerminationProtection ? "on" : "off", result);
        Row(table, "Shutdown behaviour", v => v.ShutdownBehavior, result);
        Row(table, "Evidence snapshots", v => v.Snapshots.Count == 0 ? "none" : string.Join("\n", v.Snapshots), result);
        Row(table, "ThreatResponse tags", v => v.QuarantineTags.Count == 0 ? "none" : string.Join("\n", v.QuarantineTags.Where(t => !t.Key.StartsWith("ThreatResponse:State:", StringComparison.Ordinal)).Select(t => $"{t.Key[15..]}={t.Value}")), result);
        console.Write(table);

        foreach (var notification in result.Notifications)
        {
            console.Write(Notification(notification));
        }

        foreach (var update in result.FindingUpdates)
        {
            console.Write(FindingUpdate(update));
        }

        var timings = string.Join(", ", result.TimingsMs.Select(t => $"{t.Key} {t.Value} ms"));
        console.MarkupLine($"[grey]Emulator {Markup.Escape(result.Emulator)}; {Markup.Escape(timings)}.[/]");
        console.MarkupLine(result.Succeeded
            ? "[green bold]Contained on every ENI, evidence kept, credentials cut.\n…and released to exactly where it was.[/]\n[grey]Flows EC2 always tracks (NAT gateway, endpoints, ICMP) are cut by the network ACL entries where they cross into another subnet; the emulator carries no traffic, so that rests on AWS's documentation: see \"What is cut by what\" in docs/containment.md.[/]"
            : "[red bold]The demo did not end as expected: see the table and the notifications above.[/]");
    }

    /// <summary>
    /// The notification's bodies as plain text, ready to paste: the subject, the e-mail text (<c>default</c>,
    /// <c>email</c>), the chat body (<c>https</c>) and the JSON document (<c>sqs</c>, <c>lambda</c>, <c>http</c>), the
    /// JSON bodies indented.
    /// </summary>
    public static string Bodies(PublishedNotification published)
    {
        var text = new StringBuilder();
        text.Append("\n==== Subject\n").Append(published.Subject).Append('\n');
        text.Append("\n==== E-mail body (SNS protocols default, email)\n").Append(published.Bodies.GetValueOrDefault("email", "")).Append('\n');
        text.Append("==== Chat body (https: Amazon Q Developer in chat applications), indented here\n").Append(Indented(published.Bodies.GetValueOrDefault("https", "{}"))).Append('\n');
        text.Append("\n==== JSON body (sqs, lambda, http), indented here\n").Append(Indented(published.Bodies.GetValueOrDefault("sqs", "{}"))).Append('\n');
        return text.ToString();
    }

    private static string Indented(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            document.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Row(Table table, string label, Func<InstanceView, string> value, DemoResult result)
    {
        var before = value(result.Before);
        var contained = value(result.Contained);
        var released = value(result.Released);
        table.AddRow(
            new Markup($"[bold]{Markup.Escape(label)}[/]"),
            new Markup(Markup.Escape(before)),
            new Markup(contained == before ? Markup.Escape(contained) : $"[yellow]{Markup.Escape(contained)}[/]"),
            new Markup(released == before ? $"[green]{Markup.Escape(released)}[/]" : $"[red]{Markup.Escape(released)}[/]"));
    }

    private static Panel Notification(DemoNotification notification)
    {
        var message = notification.Message;
        var lines = new List<string> { $"[bold]{Markup.Escape(notification.Subject)}[/]", string.Empty };
        foreach (var finding in message.GetProperty("findings").EnumerateArray())
        {
            var severity = finding.GetProperty("severity");
            lines.Add($"Finding  {Markup.Escape(finding.GetProperty("type").GetString()!)}, severity {severity.GetProperty("label").GetString()} ({severity.GetProperty("normalized").GetInt32()})");
            lines.Add($"Where    account {finding.GetProperty("account").GetString()}, Region {finding.GetProperty("region").GetString()}");
            lines.Add($"Result   {Markup.Escape(finding.GetProperty("outcome").GetString()!)}: {Markup.Escape(finding.GetProperty("summary").GetString()!)}");
            lines.Add($"Link     [link]{Markup.Escape(finding.GetProperty("consoleUrl").GetString()!)}[/]");
        }

        foreach (var instance in message.GetProperty("report").GetProperty("instances").EnumerateArray())
        {
            lines.Add(string.Empty);
            foreach (var step in instance.GetProperty("steps").EnumerateArray())
            {
                var outcome = step.GetProperty("outcome").GetString();
                var colour = outcome switch { "succeeded" => "green", "failed" => "red", "skipped" => "grey", _ => "yellow" };
                var target = step.TryGetProperty("target", out var t) && t.ValueKind == JsonValueKind.String ? " " + t.GetString() : string.Empty;
                var detail = step.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : string.Empty;
                lines.Add($"[{colour}]{outcome,-9}[/] {Markup.Escape(step.GetProperty("step").GetString()! + target)}: {Markup.Escape(detail.Length > 110 ? detail[..107] + "..." : detail)}");
            }
        }

        return new Panel(new Markup(string.Join('\n', lines)))
            .Header("The notification the on-call team receives (SNS, as delivered to the subscribed queue)")
            .Border(BoxBorder.Rounded)
            .Expand();
    }

    private static Panel FindingUpdate(JsonElement update)
    {
        var lines = new List<string>();
        foreach (var identifier in update.GetProperty("FindingIdentifiers").EnumerateArray())
        {
            lines.Add($"Finding   {Markup.Escape(identifier.GetProperty("Id").GetString()!)}");
        }

        if (update.TryGetProperty("Workflow", out var workflow))
        {
            lines.Add($"Workflow  [bold]{workflow.GetProperty("Status").GetString()}[/]");
        }

        lines.Add($"Note      {Markup.Escape(update.GetProperty("Note").GetProperty("Text").GetString()!)}");
        if (update.TryGetProperty("UserDefinedFields", out var fields))
        {
            lines.Add("Fields    " + Markup.Escape(string.Join(", ", fields.EnumerateObject().Select(f => $"{f.Name}={f.Value.GetString()}"))));
        }

        return new Panel(new Markup(string.Join('\n', lines))).Header("What is written on the finding (Security Hub BatchUpdateFindings)").Border(BoxBorder.Rounded).Expand();
    }
}
