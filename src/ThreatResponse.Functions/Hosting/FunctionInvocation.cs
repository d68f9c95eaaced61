using System.Text.Json;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Functions.Hosting;

/// <summary>
/// One invocation of any function: the Core use case (<see cref="EventResponder"/>) on the input with the function's
/// policy, then the log, the metrics and the output — or the exception Lambda must see to retry.
/// </summary>
internal static class FunctionInvocation
{
    /// <exception cref="InvalidEventException">The event was refused; nothing was done.</exception>
    /// <exception cref="ResponseFailedException">The response did not complete; Lambda retries it.</exception>
    public static async Task<Stream> RunAsync(FunctionRuntime runtime, FunctionLog log, string trigger, Stream input, IDecisionPolicy policy, CancellationToken cancellationToken)
    {
        var deadline = runtime.DeadlineFromNow();
        EventResponse response;
        try
        {
            response = await runtime.Events.RespondAsync(input, policy, trigger, deadline, cancellationToken);
        }
        catch (ResponseFailedException e) when (e.Result is not null)
        {
            log.Response(e.Result);
            log.Error(e.Message);
            throw;
        }
        catch (ResponseUnderWayElsewhereException e)
        {
            // Not seen done, so not a success: Lambda retries, and takes over once the other claim has outlived its invocation.
            log.Error(e.Message);
            log.Count("ClaimHeldElsewhere");
            throw;
        }
        catch (AwsOperationException e)
        {
            // The notification could not be sent: the containment report is in the log, and the event is retried.
            log.Error($"response could not be completed: {e.Message}", ("errorCode", e.ErrorCode));
            log.Metrics("failed", 0);
            throw;
        }

        if (response.RefusedBecause is { } reason)
        {
            log.Error(reason);
            throw new InvalidEventException(reason);
        }

        var findingEvent = response.Event!;
        if (response.Result is not { } result)
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
