using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.Credentials;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Containment.State;

/// <summary>
/// <see cref="PreIsolationState"/> as compact, versioned JSON: the form kept in instance tags and in the ledger. Short
/// names keep it small, since every 256 characters costs one of an instance's 50 tags. Non-ASCII is escaped.
/// </summary>
public static class IsolationStateJson
{
    public static string Serialize(PreIsolationState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var m = state.MetadataOptions;
        var document = new StateDocument(
            1,
            state.FindingId,
            state.SavedAt,
            state.GroupsByNetworkInterface.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal),
            state.ProfileArn,
            [m.HttpEndpoint, m.HttpTokens, m.HttpPutResponseHopLimit.ToString(CultureInfo.InvariantCulture), m.InstanceMetadataTags, m.HttpProtocolIpv6],
            state.TerminationProtection,
            state.ShutdownBehavior)
        {
            A = state.AutoScalingGroup is { } g ? new AutoScalingDocument(g.Name, g.Removal == AutoScalingRemoval.Standby ? "standby" : "detached", g.WasProtected) : null,
            L = state.TargetGroups is { Count: > 0 } t ? [.. t.Select(x => new TargetGroupDocument(x.TargetGroupArn, x.Port))] : null,
            C = state.TrackingByNetworkInterface?.ToDictionary(p => p.Key, p => new[] { p.Value.TcpEstablished, p.Value.UdpStream, p.Value.Udp }, StringComparer.Ordinal),
            N = state.AclEntries is { Count: > 0 } n ? [.. n.Select(e => new AclEntryDocument(e.NetworkAclId, e.RuleNumber, e.Egress, e.Cidr))] : null,
            Rv = state.RevokedSessions is { } v ? new RevokedSessionsDocument(v.RoleName, v.PolicyName, v.CutOff) : null,
            Re = state.RevokedSessionsEndedAt,
            R = state.ReleasedAt,
            Mr = state.MembershipRestoredAt,
        };
        return JsonSerializer.Serialize(document, StateJsonContext.Default.StateDocument);
    }

    /// <exception cref="FormatException">The text is not a version-1 pre-isolation state.</exception>
    public static PreIsolationState Deserialize(string json)
    {
        StateDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, StateJsonContext.Default.StateDocument);
        }
        catch (JsonException e)
        {
            throw new FormatException($"saved state is not readable: {e.Message}", e);
        }

        if (document is not { V: 1, G: not null, M.Length: 5, F: not null, S: not null }
            || !int.TryParse(document.M[2], NumberStyles.None, CultureInfo.InvariantCulture, out var hopLimit))
        {
            throw new FormatException("saved state is not a version-1 pre-isolation state");
        }

        return new PreIsolationState(
            document.G.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal),
            document.P,
            new MetadataOptionsState(document.M[0], document.M[1], hopLimit, document.M[3], document.M[4]),
            document.Tp,
            document.S,
            document.F,
            document.T)
        {
            AutoScalingGroup = document.A is { N: not null, R: "standby" or "detached" } a
                ? new AutoScalingGroupState(a.N, a.R == "standby" ? AutoScalingRemoval.Standby : AutoScalingRemoval.Detached, a.P)
                : null,
            TargetGroups = document.L?.Where(l => l.A is not null).Select(l => new TargetGroupMembership(l.A, l.P)).ToList(),
            TrackingByNetworkInterface = document.C?.Where(p => p.Value is { Length: 3 }).ToDictionary(p => p.Key, p => new ConnectionTrackingState(p.Value[0], p.Value[1], p.Value[2]), StringComparer.Ordinal),
            AclEntries = document.N?.Where(e => e.A is not null && e.C is not null).Select(e => new NetworkAclDenyEntry(e.A, e.R, e.E, e.C)).ToList(),
            RevokedSessions = document.Rv is { R: not null, P: not null } rv ? new RevokedSessions(rv.R, rv.P, rv.C) : null,
            RevokedSessionsEndedAt = document.Re,
            ReleasedAt = document.R,
            MembershipRestoredAt = document.Mr,
        };
    }

    internal sealed record StateDocument(
        int V,
        string F,
        DateTimeOffset T,
        Dictionary<string, string[]> G,
        string? P,
        string[] M,
        bool Tp,
        string S)
    {
        /// <summary>Auto Scaling group taken out of; optional, so states saved before it load.</summary>
        public AutoScalingDocument? A { get; init; }

        /// <summary>Target groups deregistered from; optional like <see cref="A"/>.</summary>
        public TargetGroupDocument[]? L { get; init; }

        /// <summary>Connection-tracking timeouts per ENI: TCP established, UDP stream, UDP.</summary>
        public Dictionary<string, int[]>? C { get; init; }

        /// <summary>Network ACL deny entries added.</summary>
        public AclEntryDocument[]? N { get; init; }

        /// <summary>The instance role's revoked sessions: role, policy name, cut-off.</summary>
        public RevokedSessionsDocument? Rv { get; init; }

        /// <summary>When the revocation ended (a release removed it once the credentials it denies had expired).</summary>
        public DateTimeOffset? Re { get; init; }

        /// <summary>When release restored it: a released state is kept for the record and for membership restore.</summary>
        public DateTimeOffset? R { get; init; }

        /// <summary>When Auto Scaling and target group membership were put back.</summary>
        public DateTimeOffset? Mr { get; init; }
    }

    internal sealed record RevokedSessionsDocument(string R, string P, DateTimeOffset C);

    internal sealed record AclEntryDocument(string A, int R, bool E, string C);

    internal sealed record AutoScalingDocument(string N, string R, bool P);

    internal sealed record TargetGroupDocument(string A, int P);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IsolationStateJson.StateDocument))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
