using System.Text.Json;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Intake;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Functions.Hosting;

/// <summary>The shared shape of every handler: read and check the event, respond, log, return the outcome.</summary>
internal static class EventHandling
{
    /// <exception cref="InvalidEventException">The event is malformed or not of <paramref name="expected"/> kind; nothing was done.</exception>
    public static async Task<FindingEvent> ReadAsync(Stream input, FindingEventKind expected, FunctionLog log, CancellationToken cancellationToken)
    {
        var result = await FindingEventParser.ParseAsync(input, cancellationToken);
        if (!result.IsSuccess)
        {
            return Reject(log, $"event rejected, nothing was done: {result.Error}");
        }

        return result.Event.Kind == expected
            ? result.Event
            : Reject(log, $"event rejected, nothing was done: this function handles {expected} events, not {result.Event.Kind}");
    }

    public static FindingEvent Reject(FunctionLog log, string message)
    {
        log.Error(message);
        throw new InvalidEventException(message);
    }

    /// <summary>Runs the response; logs it; returns the output stream, or throws when a retry is needed.</summary>
    public static async Task<Stream> RespondAsync(
        FunctionRuntime runtime, FunctionLog log, string trigger, FindingEvent findingEvent, IReadOnlyList<FindingDecision> decisions, CancellationToken cancellationToken)
    {
        ResponseResult? result;
        try
        {
            result = await runtime.Responder.RespondAsync(trigger, decisions, findingEvent.Region, cancellationToken);
        }
        catch (ResponseFailedException e) when (e.Result is not null)
        {
            log.Response(e.Result);
            log.Error(e.Message);
            throw;
        }
        catch (AwsOperationException e)
        {
            // The notification could not be sent: the containment report is in the log, and the event is retried.
            log.Error($"response could not be completed: {e.Message}", ("errorCode", e.ErrorCode));
            log.Metrics("failed", 0);
            throw;
        }

        if (result is null)
        {
            // Every decision was already carried out: a repeated delivery or a re-sent finding. Nothing done, nothing notified.
            log.Info("repeated delivery: every decision already carried out; nothing done", ("eventId", findingEvent.EventId), ("findings", findingEvent.Findings.Count));
            log.Count("RepeatedDeliveries");
            return await SerializeAsync(new FunctionOutput("-", "repeated", false, "-", [.. findingEvent.Findings.Select(f => new FunctionFindingOutput(f.Id, "repeated", "already handled; see the ledger"))], 0, []), cancellationToken);
        }

        log.Response(result);
        var output = new FunctionOutput(
            result.Summary.Report.ReportId,
            result.Summary.Outcome.Text(),
            result.Summary.Report.DryRun,
            result.MessageId,
            [.. result.Summary.Findings.Select(f => new FunctionFindingOutput(f.Finding.Id, f.Outcome.Text(), f.Summary))],
            result.FindingUpdates?.Processed ?? 0,
            result.FindingUpdates?.Unprocessed ?? []);
        return await SerializeAsync(output, cancellationToken);
    }

    private static async Task<Stream> SerializeAsync(FunctionOutput output, CancellationToken cancellationToken)
    {
        var stream = new MemoryStream();
        await JsonSerializer.SerializeAsync(stream, output, FunctionJsonContext.Default.FunctionOutput, cancellationToken);
        stream.Position = 0;
        return stream;
    }
}
