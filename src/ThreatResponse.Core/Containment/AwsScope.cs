using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment;

/// <summary>Where an adapter must act: the account and Region decide the client (and, across accounts, the role).</summary>
public readonly record struct AwsScope(string Account, string Region)
{
    public static AwsScope Of(InstanceReference instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new(instance.Account, instance.Region);
    }
}
