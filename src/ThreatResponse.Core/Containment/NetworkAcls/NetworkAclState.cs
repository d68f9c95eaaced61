namespace ThreatResponse.Core.Containment.NetworkAcls;

/// <summary>A network ACL of a VPC, with the subnets it guards and its numbered entries.</summary>
public sealed record NetworkAclState(string NetworkAclId, string VpcId, IReadOnlyList<string> SubnetIds, IReadOnlyList<NetworkAclEntryState> Entries);

/// <summary>One numbered entry (the default <c>*</c> entries, number 32767, included).</summary>
/// <param name="Protocol">EC2's protocol number as text; <c>-1</c> for all.</param>
/// <param name="Cidr">The IPv4 or IPv6 range the entry matches: the source for inbound entries, the destination for outbound.</param>
public sealed record NetworkAclEntryState(int RuleNumber, bool Egress, bool Allow, string Protocol, string? Cidr);

/// <summary>A deny entry ThreatResponse added for one address of an isolated instance: all protocols, one host CIDR.</summary>
public sealed record NetworkAclDenyEntry(string NetworkAclId, int RuleNumber, bool Egress, string Cidr)
{
    public bool Matches(NetworkAclEntryState entry) =>
        entry.RuleNumber == RuleNumber && entry.Egress == Egress && !entry.Allow && entry.Protocol == "-1" && entry.Cidr == Cidr;

    public override string ToString() => $"{NetworkAclId} #{RuleNumber} {(Egress ? "out to" : "in from")} {Cidr}";
}
