using System.Text;
using System.Text.Json;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Functions.Hosting;

/// <summary>
/// Structured logs and metrics on stdout, which Lambda sends to CloudWatch Logs: one JSON object per line, written
/// synchronously (a background logger could lose lines when the execution environment is frozen), and CloudWatch
/// Embedded Metric Format lines, which become metrics without an API call.
/// </summary>
public sealed class FunctionLog(TextWriter output, TimeProvider time, string function)
{
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Lock _lock = new();

    public void Info(string message, params (string Name, object? Value)[] fields) => Write("INFO", message, fields);

    public void Error(string message, params (string Name, object? Value)[] fields) => Write("ERROR", message, fields);

    /// <summary>One line per instance and action, then a summary line and the metrics.</summary>
    public void Response(ResponseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var report = result.Summary.Report;
        foreach (var finding in result.Summary.Findings)
        {
            if (finding.Instances.Count == 0)
            {
                Info("finding not acted on", ("reportId", report.ReportId), ("findingId", finding.Finding.Id), ("outcome", finding.Outcome.Text()), ("reason", finding.Summary));
            }

            foreach (var instance in finding.Instances)
            {
                foreach (var action in report.Actions)
                {
                    var steps = instance.Steps.Where(s => s.Action == action).ToList();
                    var outcome = steps.Any(s => s.Outcome == StepOutcome.Failed) ? StepOutcome.Failed : instance.Outcome;
                    Write(outcome == StepOutcome.Failed ? "ERROR" : "INFO", "instance response",
                        ("reportId", report.ReportId), ("findingId", finding.Finding.Id), ("instance", instance.Instance.InstanceId.Value),
                        ("account", instance.Instance.Account), ("region", instance.Instance.Region), ("action", ContainmentActionNames.Of(action)),
                        ("outcome", outcome.Text()), ("durationMs", steps.Sum(s => s.DurationMs)), ("reason", instance.Reason));
                }
            }
        }

        Write(result.Retryable ? "ERROR" : "INFO", "response", ("reportId", report.ReportId), ("outcome", result.Summary.Outcome.Text()),
            ("dryRun", report.DryRun), ("durationMs", (long)(report.CompletedAt - report.StartedAt).TotalMilliseconds), ("messageId", result.MessageId),
            ("findingUpdatesProcessed", result.FindingUpdates?.Processed), ("findingUpdatesUnprocessed", result.FindingUpdates?.Unprocessed.Count), ("findingUpdateError", result.FindingUpdateError));
        Metrics(result.Summary.Outcome.Text(), (report.CompletedAt - report.StartedAt).TotalMilliseconds);
    }

    /// <summary>An EMF line counting one occurrence of <paramref name="metric"/> by function (e.g. <c>PlaybookInvalid</c>, an alarm's metric).</summary>
    public void Count(string metric) => Emf([("Function", function)], [(metric, "Count", 1)]);

    /// <summary>An EMF line: <c>Responses</c> (count) and <c>ContainmentLatency</c> (ms) by function and outcome.</summary>
    public void Metrics(string outcome, double latencyMs) =>
        Emf([("Function", function), ("Outcome", outcome)], [("Responses", "Count", 1), ("ContainmentLatency", "Milliseconds", Math.Round(latencyMs))]);

    /// <summary>One CloudWatch Embedded Metric Format line in namespace ThreatResponse.</summary>
    private void Emf((string Name, string Value)[] dimensions, (string Name, string Unit, double Value)[] metrics) => WriteLine(Json(writer =>
    {
        writer.WriteStartObject("_aws");
        writer.WriteNumber("Timestamp", time.GetUtcNow().ToUnixTimeMilliseconds());
        writer.WriteStartArray("CloudWatchMetrics");
        writer.WriteStartObject();
        writer.WriteString("Namespace", "ThreatResponse");
        writer.WriteStartArray("Dimensions");
        writer.WriteStartArray();
        foreach (var (name, _) in dimensions)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
        writer.WriteEndArray();
        writer.WriteStartArray("Metrics");
        foreach (var (name, unit, _) in metrics)
        {
            writer.WriteStartObject();
            writer.WriteString("Name", name);
            writer.WriteString("Unit", unit);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        foreach (var (name, value) in dimensions)
        {
            writer.WriteString(name, value);
        }

        foreach (var (name, _, value) in metrics)
        {
            writer.WriteNumber(name, value);
        }
    }));

    private void Write(string level, string message, params (string Name, object? Value)[] fields)
    {
        WriteLine(Json(writer =>
        {
            writer.WriteString("timestamp", time.GetUtcNow().UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("level", level);
            writer.WriteString("function", function);
            writer.WriteString("message", message);
            foreach (var (name, value) in fields)
            {
                switch (value)
                {
                    case null:
                        break;
                    case long or int or double:
                        writer.WriteNumber(name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    case bool b:
                        writer.WriteBoolean(name, b);
                        break;
                    default:
                        writer.WriteString(name, value.ToString());
                        break;
                }
            }
        }));
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void WriteLine(string line)
    {
        lock (_lock)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
