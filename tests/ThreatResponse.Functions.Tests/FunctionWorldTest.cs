using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>Base for function tests that need the whole deployed world (<see cref="FunctionWorld"/>), fresh for each test.</summary>
public abstract class FunctionWorldTest(MotoServerFixture moto) : MotoTest(moto)
{
    protected FunctionWorld World { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        World = await FunctionWorld.CreateAsync(Moto);
    }

    public override async Task DisposeAsync() => await World.DisposeAsync();
}
