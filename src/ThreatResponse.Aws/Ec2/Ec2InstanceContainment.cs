using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Aws.Http;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Aws.Ec2;

/// <summary>
/// <see cref="IInstanceContainment"/> on AWSSDK.EC2: one SDK call per operation, SDK errors turned into
/// <see cref="AwsOperationException"/>. Every call waits for a token of <paramref name="pacer"/> at its priority, and a
/// throttled or transiently failed one is retried — paced, not counted — until the deadline (<see cref="Until"/>; without
/// one, for <see cref="Patience"/>), after which it fails with <see cref="ResponseDeadline.NotReachedInTime"/>.
/// </summary>
/// <param name="pacer">Null: no pacing, and throttled calls are retried with backoff (the clients' own retries too).</param>
/// <param name="findingKey">The finding the calls are for (names the member role's session); null: an operator's.</param>
public sealed partial class Ec2InstanceContainment(Ec2ClientProvider clients, Ec2RequestPacer? pacer = null, string? findingKey = null) : IInstanceContainment
{
    /// <summary>How long a call without a deadline (an operator's CLI run) is retried: 60 s.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly CallPriority _priority = CallPriority.Containment;
    private readonly ResponseDeadline? _deadline;

    private Ec2InstanceContainment(Ec2ClientProvider clients, Ec2RequestPacer? pacer, string? findingKey, CallPriority priority, ResponseDeadline? deadline)
        : this(clients, pacer, findingKey)
    {
        _priority = priority;
        _deadline = deadline;
    }

    private TimeProvider Time => pacer?.Time ?? TimeProvider.System;

    public IInstanceContainment ForFinding(string findingKey) => new Ec2InstanceContainment(clients, pacer, findingKey, _priority, _deadline);

    public IInstanceContainment WithPriority(CallPriority priority) => new Ec2InstanceContainment(clients, pacer, findingKey, priority, _deadline);

    public IInstanceContainment Until(ResponseDeadline deadline) => new Ec2InstanceContainment(clients, pacer, findingKey, _priority, deadline);

    public bool AreRequestTokensScarce(AwsScope scope) => pacer?.IsScarce(scope) ?? false;

    private const string ManagedByTag = QuarantineTags.Prefix + "ManagedBy";

    public async Task<InstanceDescription?> DescribeInstanceAsync(InstanceReference instance, CancellationToken cancellationToken)
    {
        var ec2 = Client(instance);
        var id = instance.InstanceId.Value;
        var scope = AwsScope.Of(instance);

        // One round trip: the attribute and association lookups need only the id, so they go out with DescribeInstances.
        var describe = CallAsync(scope, "DescribeInstances", () => ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [id] }, cancellationToken), cancellationToken);
        var protection = CallAsync(scope, "DescribeInstanceAttribute", () => ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest { InstanceId = id, Attribute = InstanceAttributeName.DisableApiTermination }, cancellationToken), cancellationToken);
        var shutdown = CallAsync(scope, "DescribeInstanceAttribute", () => ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest { InstanceId = id, Attribute = InstanceAttributeName.InstanceInitiatedShutdownBehavior }, cancellationToken), cancellationToken);
        var association = CallAsync(scope, "DescribeIamInstanceProfileAssociations", () => ec2.DescribeIamInstanceProfileAssociationsAsync(new DescribeIamInstanceProfileAssociationsRequest
        {
            Filters = [new Filter("instance-id", [id])],
        }, cancellationToken), cancellationToken);

        Instance? found;
        try
        {
            found = (await describe)!.Reservations?.SelectMany(r => r.Instances ?? []).FirstOrDefault(i => i.InstanceId == id);
        }
        catch (AwsOperationException e) when (e.ErrorCode is "InvalidInstanceID.NotFound" or "InvalidInstanceID.Malformed")
        {
            found = null;
        }

        if (found is null || found.State?.Name?.Value is "terminated" or "shutting-down")
        {
            // The other lookups fail or mean nothing for an instance that is gone; observe them so nothing goes unobserved.
            await Task.WhenAll(protection, shutdown, association).ContinueWith(_ => { }, TaskScheduler.Default);
            return found is null ? null : Map(found, false, "terminate", null);
        }

        var associations = (await association)!.IamInstanceProfileAssociations ?? [];
        var current = associations.FirstOrDefault(a => a.State?.Value is "associated" or "associating");
        return Map(
            found,
            (await protection)!.InstanceAttribute?.DisableApiTermination ?? false,
            (await shutdown)!.InstanceAttribute?.InstanceInitiatedShutdownBehavior ?? "stop",
            current is null ? null : new ProfileAssociation(current.AssociationId, current.IamInstanceProfile?.Arn ?? string.Empty));
    }

    public Task SetConnectionTrackingAsync(InstanceReference instance, string networkInterfaceId, ConnectionTrackingState timeouts, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timeouts);
        return MutateAsync(instance, "ModifyNetworkInterfaceAttribute", dryRun, (ec2, ct) => ec2.ModifyNetworkInterfaceAttributeAsync(new ModifyNetworkInterfaceAttributeRequest
        {
            NetworkInterfaceId = networkInterfaceId,
            ConnectionTrackingSpecification = new ConnectionTrackingSpecificationRequest
            {
                TcpEstablishedTimeout = timeouts.TcpEstablished,
                UdpStreamTimeout = timeouts.UdpStream,
                UdpTimeout = timeouts.Udp,
            },
            DryRun = dryRun,
        }, ct), cancellationToken);
    }

    public Task SetNetworkInterfaceGroupsAsync(InstanceReference instance, string networkInterfaceId, IReadOnlyList<string> groupIds, bool dryRun, CancellationToken cancellationToken) =>
        MutateAsync(instance, "ModifyNetworkInterfaceAttribute", dryRun, (ec2, ct) => ec2.ModifyNetworkInterfaceAttributeAsync(new ModifyNetworkInterfaceAttributeRequest
        {
            NetworkInterfaceId = networkInterfaceId,
            Groups = [.. groupIds],
            DryRun = dryRun,
        }, ct), cancellationToken);

    public Task SetTerminationProtectionAsync(InstanceReference instance, bool enabled, bool dryRun, CancellationToken cancellationToken) =>
        MutateAsync(instance, "ModifyInstanceAttribute", dryRun, (ec2, ct) => ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
        {
            InstanceId = instance.InstanceId.Value,
            DisableApiTermination = enabled,
            DryRun = dryRun,
        }, ct), cancellationToken);

    public Task SetShutdownBehaviorAsync(InstanceReference instance, string behavior, bool dryRun, CancellationToken cancellationToken) =>
        MutateAsync(instance, "ModifyInstanceAttribute", dryRun, (ec2, ct) => ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
        {
            InstanceId = instance.InstanceId.Value,

            // The Attribute/Value form: equivalent in EC2, and the one moto_server also applies.
            Attribute = InstanceAttributeName.InstanceInitiatedShutdownBehavior,
            Value = behavior,
            DryRun = dryRun,
        }, ct), cancellationToken);

    public Task SetMetadataOptionsAsync(InstanceReference instance, MetadataOptionsState options, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var disabling = options.IsEndpointDisabled;
        return MutateAsync(instance, "ModifyInstanceMetadataOptions", dryRun, (ec2, ct) => ec2.ModifyInstanceMetadataOptionsAsync(new ModifyInstanceMetadataOptionsRequest
        {
            InstanceId = instance.InstanceId.Value,
            HttpEndpoint = options.HttpEndpoint,

            // Disabling touches nothing else; restoring sets every option back.
            HttpTokens = disabling ? null : options.HttpTokens,
            HttpPutResponseHopLimit = disabling ? null : options.HttpPutResponseHopLimit,
            InstanceMetadataTags = disabling ? null : options.InstanceMetadataTags,
            HttpProtocolIpv6 = disabling ? null : options.HttpProtocolIpv6,
            DryRun = dryRun,
        }, ct), cancellationToken);
    }

    public Task DisassociateInstanceProfileAsync(InstanceReference instance, string associationId, CancellationToken cancellationToken) =>
        MutateAsync(instance, "DisassociateIamInstanceProfile", dryRun: false, (ec2, ct) => ec2.DisassociateIamInstanceProfileAsync(new DisassociateIamInstanceProfileRequest
        {
            AssociationId = associationId,
        }, ct), cancellationToken);

    public Task AssociateInstanceProfileAsync(InstanceReference instance, string profileArn, CancellationToken cancellationToken) =>
        MutateAsync(instance, "AssociateIamInstanceProfile", dryRun: false, (ec2, ct) => ec2.AssociateIamInstanceProfileAsync(new AssociateIamInstanceProfileRequest
        {
            InstanceId = instance.InstanceId.Value,
            IamInstanceProfile = new IamInstanceProfileSpecification { Arn = profileArn },
        }, ct), cancellationToken);

    public Task ReplaceInstanceProfileAsync(InstanceReference instance, string associationId, string profileArn, CancellationToken cancellationToken) =>
        MutateAsync(instance, "ReplaceIamInstanceProfileAssociation", dryRun: false, (ec2, ct) => ec2.ReplaceIamInstanceProfileAssociationAsync(new ReplaceIamInstanceProfileAssociationRequest
        {
            AssociationId = associationId,
            IamInstanceProfile = new IamInstanceProfileSpecification { Arn = profileArn },
        }, ct), cancellationToken);

    public Task SetTagsAsync(InstanceReference instance, IReadOnlyDictionary<string, string> tags, bool dryRun, CancellationToken cancellationToken) =>
        MutateAsync(instance, "CreateTags", dryRun, (ec2, ct) => ec2.CreateTagsAsync(new CreateTagsRequest
        {
            Resources = [instance.InstanceId.Value],
            Tags = [.. tags.Select(t => new Tag(t.Key, t.Value))],
            DryRun = dryRun,
        }, ct), cancellationToken);

    public Task RemoveTagsAsync(InstanceReference instance, IReadOnlyCollection<string> keys, bool dryRun, CancellationToken cancellationToken) =>
        MutateAsync(instance, "DeleteTags", dryRun, (ec2, ct) => ec2.DeleteTagsAsync(new DeleteTagsRequest
        {
            Resources = [instance.InstanceId.Value],
            Tags = [.. keys.Select(k => new Tag { Key = k })],
            DryRun = dryRun,
        }, ct), cancellationToken);

    public async Task<IReadOnlyList<string>> FindSnapshotsAsync(InstanceReference instance, string findingKey, CancellationToken cancellationToken)
    {
        var ec2 = Client(instance);
        var response = await CallAsync(AwsScope.Of(instance), "DescribeSnapshots", () => ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest
        {
            OwnerIds = ["self"],
            Filters =
            [
                new Filter("tag:" + QuarantineTags.FindingId, [findingKey]),
                new Filter("tag:" + QuarantineTags.InstanceId, [instance.InstanceId.Value]),
            ],
        }, cancellationToken), cancellationToken);
        return [.. (response!.Snapshots ?? []).Select(s => s.SnapshotId)];
    }

    public async Task<IReadOnlyList<SnapshotTaken>> CreateSnapshotsAsync(InstanceReference instance, IReadOnlyDictionary<string, string> tags, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var ec2 = Client(instance);
        var response = await SendAsync(AwsScope.Of(instance), "CreateSnapshots", dryRun, () => ec2.CreateSnapshotsAsync(new CreateSnapshotsRequest
        {
            InstanceSpecification = new InstanceSpecification { InstanceId = instance.InstanceId.Value, ExcludeBootVolume = false },
            CopyTagsFromSource = CopyTagsFromSource.Volume,
            Description = $"ThreatResponse evidence of {instance.InstanceId}",
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Snapshot, Tags = [.. tags.Select(t => new Tag(t.Key, t.Value))] }],
            DryRun = dryRun,
        }, cancellationToken), cancellationToken);
        SdkCall.EnsureDryRunDidNotAct("CreateSnapshots", dryRun, response);
        return [.. (response?.Snapshots ?? []).Select(s => new SnapshotTaken(s.SnapshotId, s.VolumeId, s.StartTime is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null))];
    }

    public Task StopInstanceAsync(InstanceReference instance, bool hibernate, bool dryRun, CancellationToken cancellationToken) =>
        MutateAsync(instance, "StopInstances", dryRun, (ec2, ct) => ec2.StopInstancesAsync(new StopInstancesRequest
        {
            InstanceIds = [instance.InstanceId.Value],
            Hibernate = hibernate,
            DryRun = dryRun,
        }, ct), cancellationToken);

    private static InstanceDescription Map(Instance instance, bool protection, string shutdown, ProfileAssociation? association)
    {
        var metadata = instance.MetadataOptions;
        return new InstanceDescription(
            instance.InstanceId,
            instance.State?.Name?.Value ?? "unknown",
            (instance.Tags ?? []).GroupBy(t => t.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value ?? string.Empty, StringComparer.Ordinal),
            [.. (instance.NetworkInterfaces ?? [])
                .OrderBy(n => n.Attachment?.DeviceIndex ?? 0)
                .Select(n => new NetworkInterfaceState(n.NetworkInterfaceId, n.VpcId ?? instance.VpcId, [.. (n.Groups ?? []).Select(g => g.GroupId)])
                {
                    SubnetId = n.SubnetId ?? instance.SubnetId,
                    GroupNames = [.. (n.Groups ?? []).Select(g => g.GroupName ?? string.Empty)],
                    Ipv4Addresses = [.. (n.PrivateIpAddresses ?? []).OrderByDescending(a => a.Primary ?? false).Select(a => a.PrivateIpAddress).OfType<string>().DefaultIfEmpty(n.PrivateIpAddress).OfType<string>()],
                    Ipv6Addresses = [.. (n.Ipv6Addresses ?? []).OrderByDescending(a => a.IsPrimaryIpv6 ?? false).Select(a => a.Ipv6Address).OfType<string>()],
                    Ipv4Prefixes = [.. (n.Ipv4Prefixes ?? []).Select(p => p.Ipv4Prefix).OfType<string>()],
                    Ipv6Prefixes = [.. (n.Ipv6Prefixes ?? []).Select(p => p.Ipv6Prefix).OfType<string>()],
                    Tracking = n.ConnectionTrackingConfiguration is { } t
                        ? new ConnectionTrackingState(
                            t.TcpEstablishedTimeout ?? ConnectionTrackingState.Default.TcpEstablished,
                            t.UdpStreamTimeout ?? ConnectionTrackingState.Default.UdpStream,
                            t.UdpTimeout ?? ConnectionTrackingState.Default.Udp)
                        : ConnectionTrackingState.Default,
                })],
            new MetadataOptionsState(
                metadata?.HttpEndpoint?.Value ?? "enabled",
                metadata?.HttpTokens?.Value ?? "optional",
                metadata?.HttpPutResponseHopLimit ?? 1,
                metadata?.InstanceMetadataTags?.Value ?? "disabled",
                metadata?.HttpProtocolIpv6?.Value ?? "disabled"),
            association,
            protection,
            shutdown,
            instance.HibernationOptions?.Configured ?? false,
            [.. (instance.BlockDeviceMappings ?? []).Where(b => b.Ebs?.VolumeId is not null).Select(b => b.Ebs.VolumeId)]);
    }

    private IAmazonEC2 Client(InstanceReference instance) => clients.For(AwsScope.Of(instance), findingKey);

    private Task MutateAsync<T>(InstanceReference instance, string operation, bool dryRun, Func<IAmazonEC2, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        where T : class => MutateAsync(AwsScope.Of(instance), operation, dryRun, call, cancellationToken);

    private async Task MutateAsync<T>(AwsScope scope, string operation, bool dryRun, Func<IAmazonEC2, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        var ec2 = clients.For(scope, findingKey);
        var response = await SendAsync(scope, operation, dryRun, () => call(ec2, cancellationToken), cancellationToken);
        SdkCall.EnsureDryRunDidNotAct(operation, dryRun, response);
    }

    private Task<T?> CallAsync<T>(AwsScope scope, string operation, Func<Task<T>> call, CancellationToken cancellationToken)
        where T : class => SendAsync(scope, operation, dryRun: false, call, cancellationToken);

    /// <summary>
    /// One EC2 operation: a token at this view's priority, the call, and — throttled, or a 5xx, a timeout, a dropped
    /// connection — another token and another attempt, until the deadline. A throttled answer slows the pacer's bucket
    /// (and holds it for a <c>Retry-After</c>); an answered one lets it recover.
    /// </summary>
    /// <exception cref="AwsOperationException"><see cref="ResponseDeadline.NotReachedInTime"/> when the deadline came first; the call's own error when it is not worth retrying.</exception>
    private async Task<T?> SendAsync<T>(AwsScope scope, string operation, bool dryRun, Func<Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        var until = (_priority == CallPriority.Urgent ? _deadline?.UrgentAt : _deadline?.At) ?? Time.GetUtcNow() + Patience;
        string? trouble = null;
        var ticket = pacer?.Ticket() ?? 0;

        // An urgent call (an ENI is all-open until it is answered; one per ENI at most) does not queue for the pacer's
        // rate: it takes a token if there is one, goes, and when refused tries again a moment later.
        var urgent = _priority == CallPriority.Urgent;
        for (var attempt = 1; ; attempt++)
        {
            bool granted;
            if (pacer is null || urgent)
            {
                granted = Time.GetUtcNow() < until;
                if (granted)
                {
                    // Its token when there is one, so that the pacer's bucket counts it.
                    pacer?.TryTake(scope, operation);
                }
            }
            else
            {
                granted = await pacer.WaitAsync(scope, operation, _priority, ticket, until, cancellationToken);
            }

            if (!granted)
            {
                throw NotReached(operation, attempt - 1, trouble, until);
            }

            var hint = RetryAfterHint.Watch();
            var sentAt = Time.GetTimestamp();
            try
            {
                var response = await SdkCall.RunEc2Async(operation, dryRun, call);
                pacer?.Answered(scope, operation);
                return response;
            }
            catch (AwsOperationException e) when (AwsRetryPolicy.IsThrottling(e.ErrorCode))
            {
                trouble = "throttled";

                // An urgent call's refusal says nothing of the pacer's rate, which it did not follow: no cut, but the hold.
                pacer?.Throttled(scope, operation, urgent ? long.MinValue : sentAt, hint.RetryAfter);
                if (pacer is null || urgent)
                {
                    await BackOffAsync(urgent ? UrgentBackoff : Backoff, attempt, until, hint.RetryAfter, cancellationToken);
                }

                // Otherwise the pacer's slower bucket is the backoff: the retry waits for its next token.
            }
            catch (AwsOperationException e) when (IsTransient(e))
            {
                trouble = e.ErrorCode;
                await BackOffAsync(urgent ? UrgentBackoff : Backoff, attempt, until, hint.RetryAfter, cancellationToken);
            }
        }
    }

    private static readonly AwsRetryPolicy Backoff = new();

    /// <summary>An urgent call tries again within a quarter of a second: soon enough to take the next token EC2 refills.</summary>
    private static readonly AwsRetryPolicy UrgentBackoff = new() { BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(250) };

    private async Task BackOffAsync(AwsRetryPolicy policy, int attempt, DateTimeOffset until, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var delay = policy.DelayBefore(attempt, Random.Shared, retryAfter);
        var left = until - Time.GetUtcNow();
        await Task.Delay(delay < left ? delay : left > TimeSpan.Zero ? left : TimeSpan.Zero, Time, cancellationToken);
    }

    /// <summary>Worth another attempt: the service's own trouble (5xx), a timeout, a dropped connection, a truncated answer.</summary>
    private static bool IsTransient(AwsOperationException e) =>
        e.ErrorCode is "Timeout" or "NetworkError" or "MalformedResponse" or "InternalError" or "InternalFailure" or "ServiceUnavailable" or "Unavailable"
        || e.InnerException is Amazon.Runtime.AmazonServiceException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError };

    private AwsOperationException NotReached(string operation, int attempts, string? trouble, DateTimeOffset until)
    {
        // Without an answer of its own, a call that got no token in time met EC2's request limits: the pacer's.
        var why = trouble ?? (pacer is not null ? "throttled" : "the time ran out");
        var stop = _deadline is null ? $"retried for {Patience.TotalSeconds:0} s" : $"EC2 calls stop at {until:HH:mm:ss} UTC to report before the function's timeout";
        return new AwsOperationException(operation, ResponseDeadline.NotReachedInTime,
            $"not reached in time: {why} ({attempts} attempt(s) made; {stop})");
    }

    private static async Task IgnoringAsync(string errorCode, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (AwsOperationException e) when (e.ErrorCode == errorCode)
        {
            // Already as wanted.
        }
    }
}
