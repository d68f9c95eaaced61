using ThreatResponse.Testing;

namespace ThreatResponse.Cli.Tests.Commands;

/// <summary>
/// Three execution environments responding at once — <c>threat-response invoke IsolateInstanceAction</c> in three
/// processes, each a custom action on its own instances — against one emulated EC2 bucket shared by every mutating
/// action (EC2's documented 50, refill 5 per second; time compressed by <see cref="Scale"/>). None knows of the others;
/// each must slow down to its share and still finish within the function's timeout. How throttling falls away over time
/// is measured in BENCHMARKS.md (shared request buckets). A throughput measurement, so in the opt-in benchmark category.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Benchmark)]
[Collection(MotoCollectionDefinition.Name)]
public sealed class ConcurrentRespondersTests(MotoServerFixture moto) : MotoTest(moto)
{
    private const double Scale = 3;

    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "threat-response.dll");

    [Fact]
    public async Task IsolateAction_ThreeProcessesOneSharedBucket_AllFinishWithinTheirTimeoutAndEveryInstanceIsolated()
    {
        await using var world = await ThrottledResponses.CreateAsync(Moto, SharedEc2Buckets.Documented(share: 1, timeScale: Scale), Scale);
        using var ec2 = Moto.CreateEc2Client();
        var scene = await BurstScene.CreateAsync(Moto.Endpoint, ec2, 18);
        var files = scene.InstanceIds.Chunk(6).Select(ids => world.EventFile(scene.CustomActionEvent(ids))).ToList();

        var results = await world.InvokeTogetherAsync(Cli, files);

        Assert.All(results, r => Assert.True(r.Exit == 0, $"exit {r.Exit} after {r.Elapsed}: {r.Stderr[^Math.Min(3000, r.Stderr.Length)..]}"));
        Assert.All(results, r => Assert.True(r.Elapsed < world.FunctionTimeout, $"{r.Elapsed} against a timeout of {world.FunctionTimeout}"));
        Assert.Equal(18, (await scene.IsolatedAsync(ec2)).Count);
        Assert.True(world.Proxy.Throttled > 0, "the three together never met the bucket's limit: the test tests nothing");
    }
}
