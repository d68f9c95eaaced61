using Xunit;

namespace ThreatResponse.Testing;

/// <summary>Base for tests against the emulator: each test starts from an empty AWS.</summary>
public abstract class MotoTest(MotoServerFixture moto) : IAsyncLifetime
{
    protected MotoServerFixture Moto { get; } = moto;

    public virtual Task InitializeAsync() => Moto.ResetAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;
}
