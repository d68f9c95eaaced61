// Kept whole: the claim protocol on one table: claim, wait, take over, record and release must be read together to see that no two deliveries act.
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Aws.Ledger;

/// <summary>
/// <see cref="IResponseLedger"/> in the DynamoDB ledger table: one item per finding and instance
/// (<c>pk = finding#KEY</c>, <c>sk = instance#ACCOUNT#REGION#ID</c>, or <c>finding</c> when it names none) with the
/// decision, the rule, the outcome, the report id, the deliveries and event ids seen, and an analyst's release
/// (<c>releasedAt</c>); expiring after 90 days (TTL <c>expiresAt</c>). A claim is a conditional write, so of concurrent
/// deliveries only one acts.
/// </summary>
public sealed class DynamoDbResponseLedger(IAmazonDynamoDB dynamoDb, string tableName) : IResponseLedger
{
    /// <summary>
    /// A claim left "in progress" this long is taken to have died with its invocation: the functions time out after
    /// 120 s (template.yaml), so no live invocation holds a claim longer. Shorter than Lambda's two retries (about 1 and
    /// 3 minutes after the first attempt), so the second retry takes over from an invocation that died.
    /// </summary>
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromSeconds(150);

    private static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    public async Task<Claim> ClaimAsync(FindingDecision decision, string? eventId, DateTimeOffset now, bool countDelivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var findingKey = FindingKey.Of(decision.Finding.Id);

        // This claim's own mark: when the SDK retries a write whose answer was lost (a timeout, a reset connection), the
        // first attempt may have written it already, and the retry's refusal is then this invocation's own claim.
        var token = Guid.NewGuid().ToString("N");
        var names = new Dictionary<string, string> { ["#decision"] = "decision", ["#status"] = "status", ["#rule"] = "rule" };
        var values = new Dictionary<string, AttributeValue>
        {
            [":finding"] = new(decision.Finding.Id),
            [":decision"] = new(decision.Key),
            [":rule"] = new(decision.Rule),
            [":failed"] = new("failed"),
            [":inProgress"] = new("in-progress"),
            [":now"] = Number(now.ToUnixTimeSeconds()),
            [":stale"] = Number((now - ClaimLifetime).ToUnixTimeSeconds()),
            [":expires"] = Number((now + Retention).ToUnixTimeSeconds()),
            [":severity"] = Number(decision.Finding.Severity.Normalized),
            [":analyst"] = new() { BOOL = decision.ByAnalyst },
            [":one"] = Number(1),
            [":token"] = new(token),
        };

        // Taken when new, changed, failed or abandoned; an analyst's click also when it is a new event (a repeated
        // click re-checks). Automatic decisions yield to an analyst: not while one is under way, not after a release.
        var claimable = "attribute_not_exists(pk) OR #decision <> :decision OR #status = :failed OR (#status = :inProgress AND claimedAt < :stale)";
        var update = "SET findingId = :finding, #decision = :decision, #rule = :rule, #status = :inProgress, claimedAt = :now, claimToken = :token, expiresAt = :expires, severity = :severity, byAnalyst = :analyst ADD deliveries :one";
        if (eventId is not null)
        {
            values[":events"] = new() { SS = [eventId] };
            update += ", eventIds :events";
            if (decision.ByAnalyst)
            {
                values[":event"] = new(eventId);
                claimable += " OR (#status <> :inProgress AND NOT contains(eventIds, :event))";
            }
        }

        string condition;
        if (decision.ByAnalyst)
        {
            condition = claimable;
            if (decision.Actions.Contains(ContainmentAction.Isolate))
            {
                update += " REMOVE releasedAt, releasedSeverity"; // the analyst isolates again: the release no longer stands
            }
        }
        else
        {
            values[":true"] = new() { BOOL = true };
            var notReleased = decision.MoreSevereOverridesRelease ? "(attribute_not_exists(releasedAt) OR releasedSeverity < :severity)" : "attribute_not_exists(releasedAt)";
            condition = $"({claimable}) AND {notReleased} AND NOT (#status = :inProgress AND byAnalyst = :true AND claimedAt >= :stale)";
        }

        try
        {
            var old = await SdkCall.RunAsync("UpdateItem", () => dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(decision, findingKey),
                UpdateExpression = update,
                ConditionExpression = condition,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ReturnValues = ReturnValue.ALL_OLD,
            }, cancellationToken));

            // Won over the same decision carried out before: a repeated click, which re-checks and says since when.
            var before = old.Attributes;
            var same = before is not null && Text(before, "decision") == decision.Key;
            var status = before is null ? null : Text(before, "status");
            var repeated = same && status is not null and not "failed" and not "in-progress";
            var interrupted = same && status == "in-progress"; // the condition let it through: its claim had outlived any invocation
            return new Claim(ClaimOutcome.Claimed, DoneBefore: repeated ? Time(before!, "completedAt") : null, InterruptedSince: interrupted ? Time(before!, "claimedAt") : null);
        }
        catch (AwsOperationException e) when (e.ErrorCode == "ConditionalCheckFailedException")
        {
            Dictionary<string, AttributeValue>? item;
            if (countDelivery)
            {
                // Counted either way (a re-sent finding shows here); what was there says why the claim was refused.
                item = (await SdkCall.RunAsync("UpdateItem", () => dynamoDb.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = tableName,
                    Key = Key(decision, findingKey),
                    UpdateExpression = "ADD deliveries :one SET lastSeenAt = :now",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":one"] = Number(1), [":now"] = Number(now.ToUnixTimeSeconds()) },
                    ReturnValues = ReturnValue.ALL_OLD,
                }, cancellationToken))).Attributes;
            }
            else
            {
                item = await ReadAsync(decision, findingKey, cancellationToken);
            }

            if (item is not null && Text(item, "claimToken") == token && Text(item, "status") == "in-progress")
            {
                return new Claim(ClaimOutcome.Claimed); // refused only because an earlier attempt of this very write succeeded
            }

            var refused = Refusal(item, decision, now);
            if (refused.Outcome == ClaimOutcome.ReleasedByAnalyst && eventId is not null && !await FirstAnswerAsync(decision, findingKey, eventId, cancellationToken))
            {
                return new Claim(ClaimOutcome.AlreadyDone);
            }

            return refused;
        }
    }

    /// <summary>
    /// Records the event as answered; false when another delivery of it did first. So a release is answered once per
    /// event (each update of the finding), never twice for the same event.
    /// </summary>
    private async Task<bool> FirstAnswerAsync(FindingDecision decision, string findingKey, string eventId, CancellationToken cancellationToken)
    {
        try
        {
            await SdkCall.RunAsync("UpdateItem", () => dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(decision, findingKey),
                UpdateExpression = "ADD eventIds :events",
                ConditionExpression = "NOT contains(eventIds, :event)",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":event"] = new(eventId), [":events"] = new() { SS = [eventId] } },
            }, cancellationToken));
            return true;
        }
        catch (AwsOperationException e) when (e.ErrorCode == "ConditionalCheckFailedException")
        {
            return false;
        }
    }

    /// <summary>Why a claim was refused, from the item as it stood.</summary>
    private static Claim Refusal(Dictionary<string, AttributeValue>? item, FindingDecision decision, DateTimeOffset now)
    {
        if (item is null or { Count: 0 })
        {
            return new Claim(ClaimOutcome.AlreadyDone);
        }

        if (!decision.ByAnalyst && Time(item, "releasedAt") is { } releasedAt)
        {
            var overridden = decision.MoreSevereOverridesRelease && Long(item, "releasedSeverity") is { } at && at < decision.Finding.Severity.Normalized;
            if (!overridden)
            {
                // Whether this very event was answered already is FirstAnswerAsync's to say, atomically.
                return new Claim(ClaimOutcome.ReleasedByAnalyst, ReleasedAt: releasedAt);
            }
        }

        return Held(item, decision, now) || (!decision.ByAnalyst && HeldByAnalyst(item, now))
            ? new Claim(ClaimOutcome.UnderWayElsewhere)
            : new Claim(ClaimOutcome.AlreadyDone, DoneBefore: Time(item, "completedAt"));
    }

    public async Task<bool> IsHeldAsync(FindingDecision decision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var findingKey = FindingKey.Of(decision.Finding.Id);
        var item = await ReadAsync(decision, findingKey, cancellationToken);
        return Held(item, decision, now) || (!decision.ByAnalyst && HeldByAnalyst(item, now));
    }

    private async Task<Dictionary<string, AttributeValue>?> ReadAsync(FindingDecision decision, string findingKey, CancellationToken cancellationToken) =>
        (await SdkCall.RunAsync("GetItem", () => dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(decision, findingKey),
            ConsistentRead = true,
        }, cancellationToken))).Item;

    /// <summary>In progress for this same decision, and claimed recently enough that its invocation may still be alive.</summary>
    private static bool Held(Dictionary<string, AttributeValue>? item, FindingDecision decision, DateTimeOffset now) =>
        item is not null && Text(item, "status") == "in-progress" && Text(item, "decision") == decision.Key && Fresh(item, now);

    /// <summary>An analyst's decision is under way: automatic ones wait for it.</summary>
    private static bool HeldByAnalyst(Dictionary<string, AttributeValue>? item, DateTimeOffset now) =>
        item is not null && Text(item, "status") == "in-progress" && item.TryGetValue("byAnalyst", out var analyst) && analyst.BOOL == true && Fresh(item, now);

    private static bool Fresh(Dictionary<string, AttributeValue> item, DateTimeOffset now) =>
        Long(item, "claimedAt") is { } claimedAt && claimedAt >= (now - ClaimLifetime).ToUnixTimeSeconds();

    private static string? Text(Dictionary<string, AttributeValue> item, string name) => item.TryGetValue(name, out var value) ? value.S : null;

    private static long? Long(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && long.TryParse(value.N, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : null;

    private static DateTimeOffset? Time(Dictionary<string, AttributeValue> item, string name) =>
        Long(item, name) is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    /// <summary>
    /// Marks a finding and instance released by an analyst, when the ledger has responded to it: automatic response
    /// leaves the instance alone for that finding from now on (unless its rule says a more severe update overrides).
    /// </summary>
    internal static async Task MarkReleasedAsync(IAmazonDynamoDB dynamoDb, string tableName, string findingKey, InstanceReference instance, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            await SdkCall.RunAsync("UpdateItem", () => dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(findingKey, instance),
                UpdateExpression = "SET releasedAt = :at, releasedSeverity = if_not_exists(severity, :none)",
                ConditionExpression = "attribute_exists(pk)",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":at"] = Number(at.ToUnixTimeSeconds()), [":none"] = Number(0) },
            }, cancellationToken));
        }
        catch (AwsOperationException e) when (e.ErrorCode == "ConditionalCheckFailedException")
        {
            // Isolated by the CLI without a finding the ledger knows: nothing automatic to hold back.
        }
    }

    public Task RecordAsync(FindingDecision decision, LedgerOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var findingKey = FindingKey.Of(decision.Finding.Id);
        ArgumentNullException.ThrowIfNull(outcome);
        var values = new Dictionary<string, AttributeValue>
        {
            [":status"] = new(outcome.Outcome),
            [":report"] = new(outcome.ReportId),
            [":summary"] = new(string.IsNullOrEmpty(outcome.Summary) ? "-" : outcome.Summary.Length <= 1000 ? outcome.Summary : outcome.Summary[..1000]),
            [":at"] = Number(outcome.At.ToUnixTimeSeconds()),
        };
        var update = "SET #status = :status, reportId = :report, summary = :summary, completedAt = :at";
        if (outcome.Trigger is { Length: > 0 } trigger)
        {
            update += ", respondedBy = :trigger";
            values[":trigger"] = new(trigger);
        }

        if (outcome.Evidence.Count > 0)
        {
            // Chain of custody: appended, never replaced — a later collection for the same finding and instance adds its own.
            update += ", evidence = list_append(if_not_exists(evidence, :none), :evidence)";
            values[":none"] = new() { L = [] };
            values[":evidence"] = new() { L = [.. outcome.Evidence.Select(e => new AttributeValue(e))] };
        }
        if (decision.ByAnalyst && decision.Actions.Contains(ContainmentAction.Release) && !decision.DryRun && outcome.Outcome is not ("failed" or FindingResponder.Refused))
        {
            update += ", releasedAt = :at, releasedSeverity = :severity";
            values[":severity"] = Number(decision.Finding.Severity.Normalized);
        }

        return SdkCall.RunAsync("UpdateItem", () => dynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(decision, findingKey),
            UpdateExpression = update,
            ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status" },
            ExpressionAttributeValues = values,
        }, cancellationToken));
    }

    private static Dictionary<string, AttributeValue> Key(FindingDecision decision, string findingKey) => decision.Instance is { } instance
        ? Key(findingKey, instance)
        : new()
        {
            [DynamoDbIsolationStateStore.PartitionKey] = new($"finding#{findingKey}"),
            [DynamoDbIsolationStateStore.SortKey] = new("finding"),
        };

    private static Dictionary<string, AttributeValue> Key(string findingKey, InstanceReference instance) => new()
    {
        [DynamoDbIsolationStateStore.PartitionKey] = new($"finding#{findingKey}"),
        [DynamoDbIsolationStateStore.SortKey] = new($"instance#{instance.Account}#{instance.Region}#{instance.InstanceId}"),
    };

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
