// Kept whole: one window's lifecycle, opened and closed in the same file so that every way it opens has its way to close.
using System.Collections.Concurrent;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.Credentials;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// Isolation that leaves the SSM agent a way to answer while evidence is collected. Each ENI goes into its isolation
/// group plus the VPC's forensic group (outbound TCP 443 to the Systems Manager and S3 endpoints' addresses, nothing
/// else); instead of being cut, the instance's credentials become the quarantine profile's (the agent's permissions
/// only), and the metadata endpoint stays on with IMDSv2 required and a hop limit of 1. When the collection ends —
/// finished, failed or out of time — <see cref="CloseAsync"/> leaves the instance as plain isolation does: only the
/// isolation group (reached through the conversion group, as isolation is, so that flows opened during the window do
/// not survive as tracked ones), no profile, the endpoint off, and the credentials the instance fetched through the
/// window denied (<see cref="ForensicWindowClosedPolicy"/>). A VPC without the endpoints, endpoints whose policies do
/// not confine the window (<see cref="ForensicEndpointPolicy"/>), or a quarantine profile that cannot be put in place,
/// give plain isolation, and the collection is skipped saying why.
/// </summary>
internal sealed class ForensicWindow
{
    private readonly ContainmentAction _action;
    private readonly IInstanceContainment _ec2;
    private readonly IInstanceRolePolicies? _roles;
    private readonly ForensicChannels _channels;
    private readonly EvidenceOptions _options;
    private readonly InstanceContext _context;
    private readonly QuarantineGroupResolver? _quarantineGroups;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Task<VpcForensicGroup>> _groups;
    private readonly ConcurrentDictionary<string, string> _isolationGroupByOpenedEni = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _recordedVpcs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _whyNot = new();
    private volatile bool _credentialsOpen;
    private volatile bool _credentialsGiven;
    private volatile bool _adopted;
    private volatile bool _touched;

    /// <summary>Starts each VPC's channel lookup at once: it runs alongside the state being saved.</summary>
    /// <param name="action">Whose steps the window's are: isolation's, or the collection's on an instance isolated before.</param>
    /// <param name="roles">IAM in the instance's account, to verify the quarantine role before the instance gets it; null: it cannot be verified, so it is not given.</param>
    /// <param name="context">The instance's response; its request's VPC groups are what the window is closed through, and its channels what it opens.</param>
    public ForensicWindow(IInstanceContainment ec2, IInstanceRolePolicies? roles, InstanceContext context, ContainmentAction action = ContainmentAction.Isolate)
    {
        var channels = context.Run.Channels;
        _action = action;
        _quarantineGroups = context.Run.Groups;
        _time = context.Run.Time;
        _ec2 = ec2;
        _roles = roles;
        _channels = channels;
        _options = context.Options.Evidence;
        _context = context;
        var scope = AwsScope.Of(context.Instance);
        _groups = context.Description.NetworkInterfaces.Select(n => n.VpcId).Distinct(StringComparer.Ordinal)
            .ToDictionary(vpc => vpc, vpc => channels.GetAsync(scope, vpc), StringComparer.Ordinal);
    }

    /// <summary>Every ENI is in its isolation and forensic groups and the quarantine credentials are in place.</summary>
    public bool IsOpen => _whyNot.IsEmpty && _credentialsOpen
        && _context.Description.NetworkInterfaces.All(n => _isolationGroupByOpenedEni.ContainsKey(n.NetworkInterfaceId));

    /// <summary>Why the collection cannot run through the window.</summary>
    public string WhyNotOpen => _whyNot.IsEmpty ? "the isolation did not complete" : string.Join("; ", _whyNot.Distinct(StringComparer.Ordinal));

    /// <summary>The forensic group the ENI goes into next to its isolation group; null (the reason kept) when its VPC has none.</summary>
    public async Task<string?> GroupForAsync(NetworkInterfaceState eni)
    {
        var group = await _groups[eni.VpcId];
        if (group.Step is { } step && _recordedVpcs.TryAdd(eni.VpcId, true))
        {
            _context.Log.Record(step);
        }

        if (group.GroupId is null)
        {
            _whyNot.Enqueue(group.Missing ?? $"no forensic group in {eni.VpcId}");
            return null;
        }

        if (await _channels.RouteProblemAsync(AwsScope.Of(_context.Instance), group.Channel!, eni.SubnetId) is { } problem)
        {
            _whyNot.Enqueue(problem);
            return null;
        }

        return group.GroupId;
    }

    /// <summary>The ENI is in its isolation group and the forensic group: the window must be closed for it.</summary>
    public void Opened(string networkInterfaceId, string isolationGroupId)
    {
        _touched = true;
        _isolationGroupByOpenedEni[networkInterfaceId] = isolationGroupId;
    }

    /// <summary>
    /// An instance isolated before, maybe with a window left open by an earlier response (its read-back failed, or the
    /// function died): whatever happens next, <see cref="CloseAsync"/> reads the instance back and undoes what it finds
    /// of a window — each ENI back to only its isolation group through the conversion group, the profile disassociated,
    /// the metadata endpoint off, the credentials fetched through the window denied.
    /// </summary>
    public void MustClose(IReadOnlyDictionary<string, string> isolationGroupByEni)
    {
        ArgumentNullException.ThrowIfNull(isolationGroupByEni);
        _touched = true;
        _adopted = true;
        foreach (var (eni, isolation) in isolationGroupByEni)
        {
            _isolationGroupByOpenedEni[eni] = isolation;
        }
    }

    /// <summary>
    /// For an instance isolated before (each ENI only in its isolation group, <paramref name="isolationGroupByEni"/>):
    /// the forensic group goes on next to the isolation group — nothing tracked is left to cut, so no conversion group —
    /// and the quarantine credentials in place of none.
    /// </summary>
    public async Task OpenOnIsolatedAsync(IReadOnlyDictionary<string, string> isolationGroupByEni, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isolationGroupByEni);
        await Task.WhenAll(_context.Description.NetworkInterfaces.Select(eni => OpenOnIsolatedEniAsync(eni, isolationGroupByEni[eni.NetworkInterfaceId], cancellationToken)));

        // Already cut: without a channel there is nothing to cut again.
        await OpenCredentialsAsync(alreadyCut: true, cancellationToken);
    }

    /// <summary>
    /// An ENI only in its isolation group gets the forensic group straight next to it: nothing tracked is left to cut,
    /// so no conversion group. Nothing happens when its VPC has no channel (the reason is kept).
    /// </summary>
    public async Task OpenOnIsolatedEniAsync(NetworkInterfaceState eni, string isolationGroupId, CancellationToken cancellationToken)
    {
        if (await GroupForAsync(eni) is not { } forensicGroup)
        {
            return;
        }

        if (await _context.Log.RunAsync(_action, StepName.ForensicGroup, eni.NetworkInterfaceId, dryRun: false, async () =>
            {
                await _ec2.SetNetworkInterfaceGroupsAsync(_context.Instance, eni.NetworkInterfaceId, [isolationGroupId, forensicGroup], dryRun: false, cancellationToken);
                return $"{isolationGroupId} -> {isolationGroupId},{forensicGroup} while evidence is collected";
            }))
        {
            Opened(eni.NetworkInterfaceId, isolationGroupId);
        }
    }

    /// <summary>
    /// In place of cutting the credentials: the quarantine profile replaces the instance's (or is associated), and the
    /// metadata endpoint stays on, IMDSv2 only, hop limit 1 (containers on the instance cannot reach it). When a VPC of
    /// the instance has no channel, the credentials are cut as isolation cuts them (<see cref="CredentialCut"/>); when
    /// the quarantine profile cannot be put in place, <see cref="CloseAsync"/> cuts them right after the isolation.
    /// </summary>
    /// <param name="alreadyCut">The instance was isolated before: its credentials are cut already, nothing to cut again.</param>
    public async Task OpenCredentialsAsync(bool alreadyCut, CancellationToken cancellationToken)
    {
        Task cut() => alreadyCut ? Task.CompletedTask : new CredentialCut(_ec2).RunAsync(_context, cancellationToken);
        var groups = await Task.WhenAll(_groups.Values);
        if (groups.FirstOrDefault(g => g.GroupId is null) is { } missing)
        {
            _whyNot.Enqueue(missing.Missing ?? "no forensic group");
            await cut();
            return;
        }

        // An ENI whose subnet would reach S3 around the gateway endpoint gets no channel: then no quarantine credentials either.
        foreach (var eni in _context.Description.NetworkInterfaces)
        {
            if (await _channels.RouteProblemAsync(AwsScope.Of(_context.Instance), (await _groups[eni.VpcId]).Channel!, eni.SubnetId) is { } problem)
            {
                _whyNot.Enqueue(problem);
                await cut();
                return;
            }
        }

        var log = _context.Log;
        var verified = await log.RunAsync(_action, StepName.QuarantineProfileCheck, _options.QuarantineProfileName, dryRun: false, StepLog.Noted("evidence is not collected", async () =>
        {
            var problem = _roles is null
                ? "IAM cannot be read here, so its role cannot be verified"
                : await QuarantineRoleCheck.ProblemAsync(_roles, _context.Instance, _options.QuarantineProfileName, cancellationToken);
            return problem is null
                ? $"one role, holding only {QuarantineRoleCheck.PolicyName}: the SSM agent's actions"
                : throw new StepFailedException("QuarantineProfileChanged", $"{problem}: not given to the instance, whose credentials are cut instead");
        }));
        if (!verified)
        {
            _whyNot.Enqueue("the quarantine instance profile could not be put in place (see quarantine-profile-check)");
            await cut();
            return;
        }

        _touched = true;
        _credentialsGiven = true;
        var description = _context.Description;
        var quarantine = _options.QuarantineProfileArn(_context.Instance);
        var profile = log.RunAsync(_action, StepName.InstanceProfile, null, dryRun: false, StepLog.Noted("evidence is not collected, and the credentials are cut when the isolation is done", async () =>
        {
            if (description.ProfileAssociation is not { } association)
            {
                await _ec2.AssociateInstanceProfileAsync(_context.Instance, quarantine, cancellationToken);
                return $"{quarantine} associated while evidence is collected (the SSM agent's permissions only); removed when the collection ends";
            }

            if (association.ProfileArn == quarantine)
            {
                return $"{quarantine} already associated (an earlier collection); removed when the collection ends";
            }

            await _ec2.ReplaceInstanceProfileAsync(_context.Instance, association.AssociationId, quarantine, cancellationToken);
            return $"{association.ProfileArn} replaced by {quarantine} while evidence is collected (the SSM agent's permissions only; credentials already issued stay valid until they expire); removed when the collection ends";
        }));
        var forCollection = description.MetadataOptions with { HttpEndpoint = "enabled", HttpTokens = "required", HttpPutResponseHopLimit = 1 };
        var metadata = log.RunAsync(_action, StepName.MetadataEndpoint, null, dryRun: false, StepLog.Noted("evidence is not collected", async () =>
        {
            await _ec2.SetMetadataOptionsAsync(_context.Instance, forCollection, dryRun: false, cancellationToken);
            return "kept on while evidence is collected: IMDSv2 only, hop limit 1; disabled when the collection ends";
        }));
        var opened = await Task.WhenAll(profile, metadata);
        if (!opened[0])
        {
            _whyNot.Enqueue("the quarantine instance profile could not be put in place");
        }

        if (!opened[1])
        {
            _whyNot.Enqueue("the metadata endpoint could not be set for the collection");
        }

        _credentialsOpen = opened.All(ok => ok);
    }

    /// <summary>
    /// After the collection, whatever its end: each ENI back to only its isolation group — through the all-open
    /// conversion group first, as isolation does, so flows the window let through (S3 through a gateway endpoint crosses
    /// no network ACL) become untracked and are cut, instead of surviving as tracked flows — with its connection-tracking
    /// timeouts at the minimum; the profile disassociated (whichever is associated now: nothing may hold credentials), the
    /// metadata endpoint off; then the credentials fetched through the window denied on the quarantine role. Read back
    /// first, so what changed meanwhile is what is undone. Urgent, and allowed the deadline's grace: an instance must not
    /// keep the channel because time ran out.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (!_touched)
        {
            return;
        }

        var log = _context.Log;
        var ec2 = _ec2.WithPriority(CallPriority.Urgent);
        if (_context.Deadline is { } deadline)
        {
            ec2 = ec2.Until(deadline with { At = deadline.UrgentAt });
        }

        InstanceDescription? now = null;
        var described = await log.RunAsync(_action, StepName.CloseForensicWindow, null, dryRun: false, StepLog.Noted("the forensic group, quarantine profile and metadata endpoint may still be in place: any later response for the instance (isolate, collect) closes the window", async () =>
        {
            now = await ec2.DescribeInstanceAsync(_context.Instance, cancellationToken)
                ?? throw new StepFailedException("InstanceNotFound", "the instance is no longer described by EC2");
            return "collection over: forensic group, quarantine profile and metadata endpoint go";
        }));
        if (!described || now is null)
        {
            return;
        }

        // Credentials may have been fetched through the window: this response gave them, or an earlier one left its
        // window open (whether that one gave them is unknown, so its residue counts).
        var quarantine = _options.QuarantineProfileArn(_context.Instance);
        var fetched = _credentialsGiven || now.ProfileAssociation?.ProfileArn == quarantine;
        var groups = new List<Task>();
        foreach (var eni in now.NetworkInterfaces)
        {
            if (_isolationGroupByOpenedEni.TryGetValue(eni.NetworkInterfaceId, out var isolation) && !(eni.GroupIds.Count == 1 && eni.GroupIds[0] == isolation))
            {
                fetched |= _adopted;
                groups.Add(CloseInterfaceAsync(ec2, eni, isolation, cancellationToken));
            }
        }

        var credentials = new List<Task>();
        if (now.ProfileAssociation is { } association)
        {
            credentials.Add(log.RunAsync(_action, StepName.InstanceProfileRemoved, null, dryRun: false, async () =>
            {
                await ec2.DisassociateInstanceProfileAsync(_context.Instance, association.AssociationId, cancellationToken);
                return $"disassociated {association.ProfileArn} (credentials already issued are denied below)";
            }));
        }

        if (!now.MetadataOptions.IsEndpointDisabled)
        {
            credentials.Add(log.RunAsync(_action, StepName.MetadataEndpointDisabled, null, dryRun: false, async () =>
            {
                await ec2.SetMetadataOptionsAsync(_context.Instance, now.MetadataOptions.WithEndpointDisabled(), dryRun: false, cancellationToken);
                return "disabled: the instance can no longer fetch role credentials";
            }));
        }

        await Task.WhenAll(credentials);

        // After the instance can fetch no more: every credential it fetched through the window was issued before now.
        var deny = fetched || (_adopted && !now.MetadataOptions.IsEndpointDisabled) ? DenyWindowCredentialsAsync(cancellationToken) : Task.CompletedTask;
        await Task.WhenAll(groups.Append(deny));
    }

    /// <summary>
    /// Timeouts to the minimum (isolation set them; re-asserted if someone changed them) and the all-open conversion group
    /// together, then at once the isolation group. Without the conversion group (its VPC's groups cannot be had), straight
    /// to isolation: the forensic group must not stay. If the isolation group fails after the conversion group, the ENI
    /// goes back to what it had: never left all open.
    /// </summary>
    private async Task CloseInterfaceAsync(IInstanceContainment ec2, NetworkInterfaceState eni, string isolation, CancellationToken cancellationToken)
    {
        var log = _context.Log;
        var id = eni.NetworkInterfaceId;
        string? conversion = null;
        if (_quarantineGroups is not null)
        {
            var vpcGroups = await _quarantineGroups.GetAsync(AwsScope.Of(_context.Instance), eni.VpcId);
            conversion = vpcGroups.IsolationGroupId == isolation ? vpcGroups.ConversionGroupId : null;
        }

        var tracking = eni.Tracking == ConnectionTrackingState.Minimum
            ? Task.FromResult(true)
            : log.RunAsync(_action, StepName.ConnectionTracking, id, dryRun: false, async () =>
            {
                await ec2.SetConnectionTrackingAsync(_context.Instance, id, ConnectionTrackingState.Minimum, dryRun: false, cancellationToken);
                return $"{eni.Tracking} -> {ConnectionTrackingState.Minimum} (was changed since isolation)";
            });
        var converted = conversion is not null && await log.RunAsync(_action, StepName.ForensicConversionGroup, id, dryRun: false, async () =>
        {
            await ec2.SetNetworkInterfaceGroupsAsync(_context.Instance, id, [conversion], dryRun: false, cancellationToken);
            return $"{string.Join(',', eni.GroupIds)} -> {conversion}: flows opened during the window become untracked";
        });
        if (conversion is null)
        {
            log.Fail(_action, StepName.ForensicConversionGroup, id, "the VPC's conversion group is not available: straight to the isolation group, so flows opened during the window may survive as tracked flows");
        }

        var isolated = await log.RunAsync(_action, StepName.ForensicGroupRemoved, id, dryRun: false, async () =>
        {
            await ec2.SetNetworkInterfaceGroupsAsync(_context.Instance, id, [isolation], dryRun: false, cancellationToken);
            return converted ? $"{conversion} -> {isolation}" : $"{string.Join(',', eni.GroupIds)} -> {isolation}";
        });
        await tracking;
        if (!isolated && converted)
        {
            await log.RunAsync(_action, StepName.RollbackConversion, id, dryRun: false, async () =>
            {
                await ec2.SetNetworkInterfaceGroupsAsync(_context.Instance, id, eni.GroupIds, dryRun: false, cancellationToken);
                return $"restored {string.Join(',', eni.GroupIds)} after the isolation group failed: the window is still open, close it by isolating or collecting again";
            });
        }
    }

    /// <summary>
    /// The quarantine role's credentials this instance fetched through the window stop working: the role is shared by
    /// every instance collected from, so the deny is for this instance's sessions (<c>ec2:SourceInstanceARN</c>) issued
    /// before now — a later window's credentials are issued after it and work.
    /// </summary>
    public async Task DenyWindowCredentialsAsync(CancellationToken cancellationToken)
    {
        var log = _context.Log;
        if (_roles is null)
        {
            // Without IAM the quarantine role is never verified, so never given: only a window another response left open can have handed it out.
            log.Skip(_action, StepName.WindowCredentialsDenied, _options.QuarantineProfileName, "IAM cannot be written here: credentials fetched through a window left open stay valid until they expire");
            return;
        }

        var cutOff = SessionRevocationPolicy.CutOffAt(_time.GetUtcNow());
        await log.RunAsync(_action, StepName.WindowCredentialsDenied, _options.QuarantineProfileName, dryRun: false, async () =>
        {
            var held = await _roles.FindProfileRolesAsync(_context.Instance, _options.QuarantineProfileName, cancellationToken);
            if (held.Count != 1)
            {
                throw new StepFailedException("QuarantineProfileChanged", $"the instance profile {_options.QuarantineProfileName} holds {held.Count} roles, not its one: nothing denied");
            }

            var name = ForensicWindowClosedPolicy.NameFor(_context.Instance);
            await _roles.PutRolePolicyAsync(_context.Instance, held[0].Name, name, ForensicWindowClosedPolicy.Document(_context.Instance, cutOff), cancellationToken);
            return $"{name} on {held[0].Name}: this instance's sessions issued before {SessionRevocationPolicy.Format(cutOff)} are denied everything";
        });
    }
}
