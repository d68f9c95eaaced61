using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.Credentials;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Containment.Engine;

/// <summary>The ports as one instance's finding uses them: its calls attributed to that finding, bounded by the request's deadline.</summary>
/// <param name="Sessions">The revocation of sessions through <paramref name="Roles"/>; null without an IAM client.</param>
internal sealed record InstancePorts(IInstanceContainment Ec2, IFleetMembership? Fleet, IInstanceRolePolicies? Roles, RevokeSessionsStep? Sessions);
