using System.Runtime.CompilerServices;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>The functions' emulator tests share one moto_server and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class MotoCollectionDefinition : ICollectionFixture<MotoServerFixture>
{
    public const string Name = "moto";
}

internal static class DummyCredentials
{
    /// <summary>The functions resolve credentials like the SDK, from the process environment: dummy ones here, never a real profile.</summary>
    [ModuleInitializer]
    internal static void Set()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);
        Environment.SetEnvironmentVariable("AWS_PROFILE", null);
    }
}
