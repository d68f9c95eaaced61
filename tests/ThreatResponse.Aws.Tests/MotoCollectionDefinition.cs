using ThreatResponse.Testing;

namespace ThreatResponse.Aws.Tests;

/// <summary>All emulator tests of this assembly share one moto_server; they run one at a time, each after a reset.</summary>
[CollectionDefinition(Name)]
public sealed class MotoCollectionDefinition : ICollectionFixture<MotoServerFixture>
{
    public const string Name = "moto";
}
