using System.Text.Json;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Intake;

/// <summary>An EC2 instance state-change event: which instance, in which account and Region, is now in which state.</summary>
public sealed record InstanceStateChange(string? EventId, InstanceReference Instance, string State);

/// <summary>
/// Reads EC2's <c>EC2 Instance State-change Notification</c> event (source <c>aws.ec2</c>; <c>detail.instance-id</c>,
/// <c>detail.state</c>). Bad input is refused with the JSON path and what is wrong, never thrown.
/// </summary>
public static class InstanceStateChangeParser
{
    public const string DetailType = "EC2 Instance State-change Notification";

    /// <summary>The states EC2 reports in these events.</summary>
    private static readonly HashSet<string> States = new(StringComparer.Ordinal) { "pending", "running", "stopping", "stopped", "shutting-down", "terminated" };

    /// <summary>Reads the stream (bounded like every event) and parses it.</summary>
    public static async Task<(InstanceStateChange? Change, IntakeError? Error)> ParseAsync(Stream utf8Json, CancellationToken cancellationToken) =>
        Parse(await IntakeLimits.ReadEventAsync(utf8Json, cancellationToken));

    public static (InstanceStateChange? Change, IntakeError? Error) Parse(ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.Length > IntakeLimits.MaxEventBytes)
        {
            return (null, new IntakeError(JsonPath.Root, $"the event is {utf8Json.Length} bytes; EventBridge events are at most {IntakeLimits.MaxEventBytes}"));
        }

        try
        {
            using var document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = IntakeLimits.MaxDepth, AllowDuplicateProperties = false });
            return (Read(new JsonObjectReader(document.RootElement, JsonPath.Root)), null);
        }
        catch (IntakeException e)
        {
            return (null, e.Error);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, new IntakeError(JsonPath.Root, "not valid JSON"));
        }
    }

    private static InstanceStateChange Read(JsonObjectReader root)
    {
        var detailType = root.RequiredString("detail-type");
        if (detailType != DetailType)
        {
            throw root.Error("detail-type", $"{JsonPath.Quote(detailType)} is not handled; expected '{DetailType}'");
        }

        var source = root.RequiredString("source");
        if (source != "aws.ec2")
        {
            throw root.Error("source", $"{JsonPath.Quote(source)} does not send '{DetailType}' events; expected 'aws.ec2'");
        }

        var account = root.RequiredString("account");
        if (!AwsNames.IsAccountId(account))
        {
            throw root.Error("account", $"{JsonPath.Quote(account)} is not a 12-digit AWS account id");
        }

        var region = root.RequiredString("region");
        if (!AwsNames.IsRegion(region))
        {
            throw root.Error("region", $"{JsonPath.Quote(region)} is not an AWS Region code");
        }

        var detail = root.RequiredObject("detail");
        var id = detail.RequiredString("instance-id");
        if (!InstanceId.TryParse(id, out var instanceId))
        {
            throw detail.Error("instance-id", $"{JsonPath.Quote(id)} is not an EC2 instance id (i- followed by 8 or 17 lowercase hex digits)");
        }

        var state = detail.RequiredString("state");
        if (!States.Contains(state))
        {
            throw detail.Error("state", $"{JsonPath.Quote(state)} is not an EC2 instance state ({string.Join(", ", States.Order(StringComparer.Ordinal))})");
        }

        return new InstanceStateChange(root.OptionalString("id"), new InstanceReference(instanceId.Value, account, region), state);
    }
}
