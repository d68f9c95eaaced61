using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// Where evidence collection goes among one instance's actions. Before isolation when the rule gives it time to
/// (<see cref="ContainmentRequest.EvidenceFirst"/>): the attacker keeps the network meanwhile. Otherwise after it,
/// through a <see cref="ForensicWindow"/> on the VPC's endpoints (without them, snapshots only). Alone, on an instance
/// isolated before, through a window opened on the isolated instance and closed again whatever happens.
/// </summary>
internal sealed class EvidenceCollection(InstancePorts finding, InstanceContext context, IEvidenceCollector? evidence)
{
    private EvidenceOptions Options => context.Options.Evidence;

    /// <summary>
    /// Runs what comes before isolation (or instead of it); returns the window to open with isolation when the
    /// collection is to follow it, else null.
    /// </summary>
    public async Task<ForensicWindow?> BeforeIsolationAsync(CancellationToken cancellationToken)
    {
        var isolating = context.Run.Request.Actions.Contains(ContainmentAction.Isolate);
        if (evidence is null || Options.Bucket is null)
        {
            context.Log.Skip(ContainmentAction.Collect, StepName.Collect, null, "not configured: no evidence bucket (EVIDENCE_BUCKET_NAME)");
            return null;
        }

        if (!isolating && !context.DryRun && await IsolationGroupsOfAsync() is { } isolation)
        {
            await OnIsolatedAsync(evidence, isolation, cancellationToken);
            return null;
        }

        if (!isolating || context.Run.Request.EvidenceFirst is not null || context.DryRun)
        {
            await new CollectStep(evidence, Options, context.Run.Time).RunAsync(context, context.Run.Request.EvidenceFirst, cancellationToken);
            return null;
        }

        // After isolation, through the VPC's endpoints when it has them (the window); without them, snapshots only.
        return new ForensicWindow(finding.Ec2, finding.Roles, context);
    }

    /// <summary>After isolation: collects through the window when it opened, then closes it.</summary>
    public async Task AfterIsolationAsync(ForensicWindow? forensic, CancellationToken cancellationToken)
    {
        if (!context.DryRun && (forensic is null || !forensic.IsOpen)
            && context.Description.ProfileAssociation?.ProfileArn == Options.QuarantineProfileArn(context.Instance))
        {
            // Isolating again an instance an earlier window was left open on (the quarantine profile still there): the
            // isolation cut its credentials; those it fetched through that window are denied as the window's close would.
            await new ForensicWindow(finding.Ec2, finding.Roles, context).DenyWindowCredentialsAsync(cancellationToken);
        }

        if (forensic is null)
        {
            return;
        }

        if (forensic.IsOpen)
        {
            await new CollectStep(evidence!, Options, context.Run.Time).RunAsync(context, null, cancellationToken);
        }
        else
        {
            context.Log.Skip(ContainmentAction.Collect, StepName.Collect, null, $"no forensic channel: {forensic.WhyNotOpen}; snapshots only");
        }

        await forensic.CloseAsync(cancellationToken);
    }

    /// <summary>
    /// Isolated before (the automatic response, or an analyst): the agent is reached through the window only. A window an
    /// earlier response left open (its read-back failed, it died) is closed at the end whatever happens.
    /// </summary>
    private async Task OnIsolatedAsync(IEvidenceCollector collector, IReadOnlyDictionary<string, string> isolation, CancellationToken cancellationToken)
    {
        var window = new ForensicWindow(finding.Ec2, finding.Roles, context, ContainmentAction.Collect);
        if (WindowLeftOpen())
        {
            window.MustClose(isolation);
        }

        // The document is checked before the window opens: a document someone else wrote never opens it.
        var (document, refusal) = await CollectStep.CheckDocumentAsync(collector, Options, context, cancellationToken);
        if (refusal is not null)
        {
            context.Log.Fail(ContainmentAction.Collect, StepName.SendCommand, Options.DocumentName,
                $"refused, nothing sent: {refusal}; the forensic window was not opened", "EvidenceDocumentNotShipped");
        }
        else
        {
            await window.OpenOnIsolatedAsync(isolation, cancellationToken);
            if (window.IsOpen)
            {
                await new CollectStep(collector, Options, context.Run.Time).RunAsync(context, null, cancellationToken, document);
            }
            else
            {
                context.Log.Skip(ContainmentAction.Collect, StepName.Collect, null, $"no forensic channel: {window.WhyNotOpen}; the instance is isolated, so its SSM agent cannot be reached");
            }
        }

        await window.CloseAsync(cancellationToken);
    }

    /// <summary>
    /// Each ENI's isolation group when every ENI is only in its VPC's isolation group — the ledger's recorded group, or
    /// without a ledger the one found by name and usable as it is — or, a window an earlier response left open, in it and
    /// the VPC's forensic group (recorded, or without a ledger the channel's); otherwise null.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>?> IsolationGroupsOfAsync()
    {
        var groups = context.Run.Groups;
        var interfaces = context.Description.NetworkInterfaces;
        if (interfaces.Count == 0 || interfaces.Any(n => n.GroupIds.Count is not (1 or 2)))
        {
            return null;
        }

        var scope = AwsScope.Of(context.Instance);
        var recorded = groups.HasRecord ? await groups.RecordedAsync(scope) : null;
        var isolation = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var eni in interfaces)
        {
            string? isolationId;
            if (recorded is not null)
            {
                isolationId = eni.GroupIds.FirstOrDefault(id => recorded.Any(g => g.GroupId == id && g.VpcId == eni.VpcId && g.Role == QuarantineGroupRole.Isolation));
            }
            else if (eni.GroupIds.Count == 2 && !eni.GroupNames.Any(n => n.StartsWith(QuarantineGroupResolver.NamePrefix, StringComparison.Ordinal)))
            {
                // Without a ledger the groups are looked up (and made) by the resolver: not for an instance in two groups of its own.
                return null;
            }
            else
            {
                var vpcIsolation = (await groups.GetAsync(scope, eni.VpcId)).IsolationGroupId;
                isolationId = vpcIsolation is not null && eni.GroupIds.Contains(vpcIsolation) ? vpcIsolation : null;
            }

            if (isolationId is null)
            {
                return null;
            }

            if (eni.GroupIds.Count == 2)
            {
                var other = eni.GroupIds.First(id => id != isolationId);
                var isForensic = recorded is not null
                    ? recorded.Any(g => g.GroupId == other && g.VpcId == eni.VpcId && g.Role == QuarantineGroupRole.Forensic)
                    : (await context.Run.Channels.GetAsync(scope, eni.VpcId)).GroupId == other;
                if (!isForensic)
                {
                    return null;
                }
            }

            isolation[eni.NetworkInterfaceId] = isolationId;
        }

        return isolation;
    }

    /// <summary>What an earlier window leaves when its close did not run: the forensic group on an ENI, the quarantine profile, the metadata endpoint on.</summary>
    private bool WindowLeftOpen()
    {
        var description = context.Description;
        return description.NetworkInterfaces.Any(n => n.GroupIds.Count > 1)
            || description.ProfileAssociation?.ProfileArn == Options.QuarantineProfileArn(context.Instance)
            || !description.MetadataOptions.IsEndpointDisabled;
    }
}
