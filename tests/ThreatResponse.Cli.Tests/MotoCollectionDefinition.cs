using System.Runtime.CompilerServices;
using ThreatResponse.Testing;

namespace ThreatResponse.Cli.Tests;

/// <summary>The CLI's emulator tests share one moto_server and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class MotoCollectionDefinition : ICollectionFixture<MotoServerFixture>
{
    public const string Name = "moto";
}

internal static class DummyCredentials
{
    [ModuleInitializer]
    internal static void Set() => MotoServerFixture.UseDummyCredentialsInProcess();
}
