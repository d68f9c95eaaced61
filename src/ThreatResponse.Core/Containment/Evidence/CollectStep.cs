using System.Globalization;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// Volatile evidence: checks the instance's SSM agent (none, offline or not Linux: skipped, saying which), creates an
/// upload URL for one object key in the evidence bucket, sends the collection document, waits for it within the
/// command's limit, and reads the stored archive back: its size, version, retention and SHA-256 must match what the
/// script reported, or the step fails. Each part is its own step in the report.
/// </summary>
internal sealed class CollectStep(IEvidenceCollector evidence, EvidenceOptions options, TimeProvider time)
{
    private const ContainmentAction Collect = ContainmentAction.Collect;

    /// <summary>
    /// The account's evidence document, and why it must not run (not the one ThreatResponse ships, not the instance's
    /// account's, or unreadable); the refusal is null when it may. For callers that must know before opening anything:
    /// the document checked is handed to <see cref="RunAsync"/>, which does not read it again.
    /// </summary>
    public static async Task<(EvidenceDocument? Document, string? Refusal)> CheckDocumentAsync(IEvidenceCollector evidence, EvidenceOptions options, InstanceContext context, CancellationToken cancellationToken)
    {
        try
        {
            var document = await evidence.DescribeDocumentAsync(context.Instance, context.FindingKey, options.DocumentName, cancellationToken);
            return (document, ShippedEvidenceDocument.Refusal(context.Instance, options.DocumentName, document));
        }
        catch (AwsOperationException e)
        {
            return (null, $"the document {options.DocumentName} could not be read ({e.Message})");
        }
    }

    /// <param name="wait">How long to wait for the command; null: the command's own limit and a little more.</param>
    /// <param name="checkedDocument">The document <see cref="CheckDocumentAsync"/> found acceptable; null: read here.</param>
    public async Task RunAsync(InstanceContext context, TimeSpan? wait, CancellationToken cancellationToken, EvidenceDocument? checkedDocument = null)
    {
        var log = context.Log;
        if (options.Bucket is null)
        {
            log.Skip(Collect, StepName.Collect, null, "not configured: no evidence bucket (EVIDENCE_BUCKET_NAME)");
            return;
        }

        SsmAgent? agent = null;
        // A read, like the instance's lookup: it belongs to no action, so an instance without an agent counts as skipped.
        if (!await log.RunAsync(null, StepName.SsmAgent, null, dryRun: false, async () =>
            {
                agent = await evidence.DescribeAgentAsync(context.Instance, context.FindingKey, cancellationToken);
                return agent.Managed ? $"{agent.Platform ?? "unknown platform"}, {(agent.Online ? "online" : "not online")}" : "not registered with Systems Manager";
            }))
        {
            return;
        }

        if (agent is not { Managed: true, Online: true })
        {
            log.Skip(Collect, StepName.Collect, null, agent!.Managed ? "skipped: no SSM agent online (Systems Manager has not heard from it recently)" : "skipped: no SSM agent (the instance is not a managed instance)");
            return;
        }

        if (!string.Equals(agent.Platform, "Linux", StringComparison.OrdinalIgnoreCase))
        {
            log.Skip(Collect, StepName.Collect, null, $"not supported yet: {agent.Platform ?? "unknown"} instances (the collection script is for Linux)");
            return;
        }

        var key = ObjectKey(context);
        var label = EvidenceKeys.Case(context.Instance, context.FindingKey);
        if (context.DryRun)
        {
            // Systems Manager has no DryRun: nothing is sent, nothing is checked.
            log.Record(new StepResult(Collect, StepName.SendCommand, options.DocumentName, StepOutcome.DryRun,
                $"would run {options.DocumentName} on the instance and upload to s3://{options.Bucket}/{key}; Systems Manager has no DryRun, so it was not checked", null, 0));
            return;
        }

        string? commandId = null;
        var sent = await log.RunAsync(Collect, StepName.SendCommand, options.DocumentName, dryRun: false, async () =>
        {
            // The document runs as root on the instance: whoever can write it (ssm:UpdateDocument and a new default version,
            // or ssm:CreateDocument in a Region without ours) must not choose what runs. Nothing is sent unless it is the
            // document ThreatResponse ships, owned by the instance's account; the command is pinned to the version checked.
            var document = checkedDocument ?? await evidence.DescribeDocumentAsync(context.Instance, context.FindingKey, options.DocumentName, cancellationToken);
            if (ShippedEvidenceDocument.Refusal(context.Instance, options.DocumentName, document) is { } refusal)
            {
                throw new StepFailedException("EvidenceDocumentNotShipped", $"refused, nothing sent: {refusal}");
            }

            // Valid while the command may run, and no longer: the URL is the instance's only way into the bucket.
            var url = await evidence.CreateUploadUrlAsync(key, options.Timeout + TimeSpan.FromMinutes(5), cancellationToken);
            commandId = await evidence.SendCollectionAsync(context.Instance, context.FindingKey,
                new CollectionCommand(options.DocumentName, url, options.MaxBytes, options.Timeout, label, document!.Version!, document.Hash!), cancellationToken);
            return $"command {commandId}: {options.DocumentName} version {document.Version} (SHA-256 {document.Hash}, as shipped), upload to s3://{options.Bucket}/{key}, at most {options.MaxBytes} bytes in {options.Timeout.TotalSeconds:0} s";
        });
        if (!sent)
        {
            return;
        }

        CollectionStatus? status = null;
        var deadline = time.GetUtcNow() + (wait ?? options.Timeout + TimeSpan.FromSeconds(15));
        if (context.Deadline is { } response && response.At < deadline)
        {
            // The function must still report, and close a forensic window, before Lambda's timeout.
            deadline = response.At;
        }

        var finished = await log.RunAsync(Collect, StepName.Collection, commandId, dryRun: false, async () =>
        {
            while (true)
            {
                status = await evidence.GetStatusAsync(context.Instance, context.FindingKey, commandId!, cancellationToken);
                if (status is { IsFinished: true })
                {
                    break;
                }

                if (time.GetUtcNow() >= deadline)
                {
                    throw new StepFailedException("CollectionNotFinished",
                        $"not finished in time: command {commandId} is {status?.Status ?? "not registered yet"}; its archive, if it completes, lands at s3://{options.Bucket}/{key}");
                }

                await Task.Delay(options.PollInterval, time, cancellationToken);
            }

            return status.Succeeded
                ? $"{status.Status}: {status.Reported("files") ?? "?"} files, {status.Reported("archive_bytes") ?? "?"} bytes, {status.Reported("started")} to {status.Reported("finished")}"
                : throw new StepFailedException($"Collection{status.Status}", $"command {commandId} ended {status.Status} (exit {status.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "?"}): {Cut(status.Output)}");
        });
        if (!finished)
        {
            return;
        }

        await log.RunAsync(Collect, StepName.EvidenceStored, $"s3://{options.Bucket}/{key}", dryRun: false, async () =>
        {
            var reported = status!.Reported("archive_sha256");
            var stored = await evidence.ReadBackAsync(key, cancellationToken)
                ?? throw new StepFailedException("EvidenceMissing", $"the command succeeded but nothing is stored at s3://{options.Bucket}/{key}");
            if (!string.Equals(stored.Sha256, reported, StringComparison.Ordinal))
            {
                // Someone else wrote the key (the URL was readable on the instance and in the command's parameters): the stored
                // version is kept by Object Lock, but it is not what the collection produced.
                throw new StepFailedException("EvidenceHashMismatch",
                    $"s3://{options.Bucket}/{key} version {stored.VersionId ?? "-"} has SHA-256 {stored.Sha256}, the collection reported {reported ?? "none"}: not the archive the command made");
            }

            return $"{stored.Bytes} bytes, SHA-256 {stored.Sha256}, version {stored.VersionId ?? "-"}, retained until {(stored.RetainUntil is { } until ? until.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : options.RetentionDays is { } days ? $"+{days} days (bucket default)" : "not locked")}, command {commandId}";
        });
    }

    private string ObjectKey(InstanceContext context) => EvidenceKeys.For(context.Instance, context.FindingKey, time.GetUtcNow(), ".tar.gz");

    private static string Cut(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}
