using System.Text.Json;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Intake;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>
/// EC2's "terminated" state-change events. An isolated instance that is terminated leaves network ACL deny entries for
/// private addresses EC2 will give to another instance: they are removed and its saved state marked released (a release of what is
/// gone). An instance ThreatResponse never isolated: nothing is changed. Handler:
/// <c>ThreatResponse.Functions::ThreatResponse.Functions.InstanceTerminatedResponder::HandleAsync</c>.
/// </summary>
public sealed class InstanceTerminatedResponder(FunctionRuntime runtime)
{
    /// <summary>For the Lambda runtime: configured from the environment, clients shared by every invocation.</summary>
    public InstanceTerminatedResponder()
        : this(FunctionRuntime.Shared)
    {
    }

    /// <exception cref="InvalidEventException">The event was refused; nothing was done.</exception>
    /// <exception cref="InvalidOperationException">A removal failed; Lambda retries the event (removal is idempotent).</exception>
    public async Task<Stream> HandleAsync(Stream input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var log = new FunctionLog(runtime.ServingFunction(nameof(InstanceTerminatedResponder)).Output, runtime.Time, nameof(InstanceTerminatedResponder));
        var (change, error) = await InstanceStateChangeParser.ParseAsync(input, CancellationToken.None);
        if (change is null)
        {
            var reason = $"event refused at {error!.Path}: {error.Message}";
            log.Error(reason);
            throw new InvalidEventException(reason);
        }

        var instance = change.Instance;
        if (change.State != "terminated")
        {
            log.Info("not a termination; nothing to do", ("instance", instance.InstanceId.Value), ("state", change.State));
            return await SerializeAsync(new TerminationOutput("-", instance.InstanceId.Value, instance.Account, instance.Region, "skipped", [$"state {change.State}"]));
        }

        var report = await runtime.Engine.RunAsync(
            new ContainmentRequest($"terminated:{change.EventId ?? instance.InstanceId.Value}", [instance], [ContainmentAction.Release], DryRun: false)
            {
                Deadline = runtime.DeadlineFromNow(),
            },
            CancellationToken.None);
        var result = report.Instances.Single();
        var steps = result.Steps.Select(s => $"{s.Step}{(s.Target is null ? "" : " " + s.Target)}: {s.Outcome.Text()}{(s.Detail is null ? "" : " - " + s.Detail)}").ToList();
        log.Info("terminated instance", ("reportId", report.ReportId), ("instance", instance.InstanceId.Value), ("account", instance.Account),
            ("region", instance.Region), ("outcome", result.Outcome.Text()), ("reason", result.Reason));
        if (result.Outcome == StepOutcome.Failed)
        {
            log.Error($"removal for terminated {instance.InstanceId} did not complete: {result.Reason}");
            throw new InvalidOperationException($"removal for terminated {instance.InstanceId} did not complete: {result.Reason}");
        }

        return await SerializeAsync(new TerminationOutput(report.ReportId, instance.InstanceId.Value, instance.Account, instance.Region, result.Outcome.Text(), steps));
    }

    private static async Task<Stream> SerializeAsync(TerminationOutput output)
    {
        var stream = new MemoryStream();
        await JsonSerializer.SerializeAsync(stream, output, FunctionJsonContext.Default.TerminationOutput);
        stream.Position = 0;
        return stream;
    }
}
