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
    /// <summary>
    /// The CLI resolves credentials like the SDK does, from the process environment: give this test process dummy ones
    /// so no real profile is ever used against the emulator.
    /// </summary>
    [ModuleInitializer]
    internal static void Set()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);
        Environment.SetEnvironmentVariable("AWS_PROFILE", null);
    }
}
