using Microsoft.Extensions.Time.Testing;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Playbooks;

namespace ThreatResponse.Core.Tests.Playbooks;

public sealed class PlaybookProviderTests
{
    private const string NotifyAll = """
        version: 1
        rules:
          - name: notify-all
            actions: [notify]
        """;

    private const string IsolateAll = """
        version: 1
        rules:
          - name: isolate-all
            actions: [isolate]
        """;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task GetAsync_NoSource_ReturnsTheDefaultPlaybook()
    {
        using var provider = new PlaybookProvider(null, _time);

        var load = await provider.GetAsync(CancellationToken.None);

        Assert.Same(Playbook.Default, load.Playbook);
        Assert.Null(load.Error);
        Assert.Equal("the default playbook", load.Source);
    }

    [Fact]
    public async Task GetAsync_InlineSource_ParsesIt()
    {
        using var provider = new PlaybookProvider(new InlinePlaybookSource(NotifyAll), _time);

        var load = await provider.GetAsync(CancellationToken.None);

        Assert.Null(load.Error);
        Assert.Equal("PLAYBOOK", load.Source);
        Assert.Equal(["notify-all"], load.Playbook!.Rules.Select(r => r.Name));
    }

    [Fact]
    public async Task GetAsync_WithinTtl_ReadsTheSourceOnce()
    {
        var source = new CountingSource("SSM parameter /threat-response/playbook", NotifyAll);
        using var provider = new PlaybookProvider(source, _time, TimeSpan.FromMinutes(5));

        var first = await provider.GetAsync(CancellationToken.None);
        source.Text = IsolateAll;
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        var second = await provider.GetAsync(CancellationToken.None);

        Assert.Equal(1, source.Reads);
        Assert.Same(first, second);
        Assert.Equal("notify-all", second.Playbook!.Rules[0].Name);
    }

    [Fact]
    public async Task GetAsync_AfterTtl_ReadsTheSourceAgain()
    {
        var source = new CountingSource("SSM parameter /threat-response/playbook", NotifyAll);
        using var provider = new PlaybookProvider(source, _time, TimeSpan.FromMinutes(5));

        _ = await provider.GetAsync(CancellationToken.None);
        source.Text = IsolateAll;
        _time.Advance(TimeSpan.FromMinutes(5));
        var second = await provider.GetAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        var third = await provider.GetAsync(CancellationToken.None);

        Assert.Equal(2, source.Reads);
        Assert.Equal("isolate-all", second.Playbook!.Rules[0].Name);
        Assert.Same(second, third);
    }

    [Fact]
    public async Task GetAsync_DefaultTtl_IsOneMinute()
    {
        var source = new CountingSource("PLAYBOOK", NotifyAll);
        using var provider = new PlaybookProvider(source, _time);

        _ = await provider.GetAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(59));
        _ = await provider.GetAsync(CancellationToken.None);
        Assert.Equal(1, source.Reads);

        _time.Advance(TimeSpan.FromSeconds(1));
        _ = await provider.GetAsync(CancellationToken.None);
        Assert.Equal(2, source.Reads);
    }

    [Fact]
    public async Task GetAsync_InvalidText_ReturnsErrorAndNoPlaybook()
    {
        using var provider = new PlaybookProvider(new InlinePlaybookSource("version: 2\nrules: []\n"), _time);

        var load = await provider.GetAsync(CancellationToken.None);

        Assert.Null(load.Playbook);
        Assert.Equal("PLAYBOOK", load.Source);
        Assert.Equal("PLAYBOOK is not a valid playbook: version: must be 1; rules: expected a non-empty list of rules", load.Error);
    }

    [Fact]
    public async Task GetAsync_InvalidText_IsCachedAndFixedAfterTtl()
    {
        var source = new CountingSource("PLAYBOOK", "rules: [");
        using var provider = new PlaybookProvider(source, _time);

        var broken = await provider.GetAsync(CancellationToken.None);
        source.Text = NotifyAll;
        var stillBroken = await provider.GetAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        var fixedLoad = await provider.GetAsync(CancellationToken.None);

        Assert.StartsWith("PLAYBOOK is not a valid playbook: not valid YAML or JSON", broken.Error, StringComparison.Ordinal);
        Assert.Same(broken, stillBroken);
        Assert.Null(fixedLoad.Error);
        Assert.NotNull(fixedLoad.Playbook);
        Assert.Equal(2, source.Reads);
    }

    [Fact]
    public async Task GetAsync_SourceThrowsAwsOperationException_ReturnsErrorNamingTheSource()
    {
        var source = new CountingSource("SSM parameter /threat-response/playbook", NotifyAll)
        {
            Failure = new AwsOperationException("ssm:GetParameter", "ParameterNotFound", "Parameter /threat-response/playbook not found."),
        };
        using var provider = new PlaybookProvider(source, _time);

        var load = await provider.GetAsync(CancellationToken.None);

        Assert.Null(load.Playbook);
        Assert.Equal("SSM parameter /threat-response/playbook", load.Source);
        Assert.Equal(
            "SSM parameter /threat-response/playbook could not be read: ssm:GetParameter: ParameterNotFound: Parameter /threat-response/playbook not found.",
            load.Error);
    }

    [Fact]
    public async Task GetAsync_InvalidPlaybookSource_ReturnsError()
    {
        using var provider = new PlaybookProvider(new InvalidPlaybookSource("PLAYBOOK and PLAYBOOK_PARAMETER_NAME", "set only one of them"), _time);

        var load = await provider.GetAsync(CancellationToken.None);

        Assert.Null(load.Playbook);
        Assert.Equal("PLAYBOOK and PLAYBOOK_PARAMETER_NAME", load.Source);
        Assert.Equal("PLAYBOOK and PLAYBOOK_PARAMETER_NAME is not a valid playbook: set only one of them", load.Error);
    }

    [Fact]
    public async Task GetAsync_Concurrently_ReadsTheSourceOnce()
    {
        var source = new CountingSource("PLAYBOOK", NotifyAll);
        using var provider = new PlaybookProvider(source, _time);

        var loads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => provider.GetAsync(CancellationToken.None))));

        Assert.Equal(1, source.Reads);
        Assert.All(loads, l => Assert.Same(loads[0], l));
    }

    /// <summary>A source that counts its reads and whose text (or failure) a test can change between them.</summary>
    private sealed class CountingSource(string description, string text) : IPlaybookSource
    {
        private int _reads;

        public string Description => description;

        public string Text { get; set; } = text;

        public Exception? Failure { get; init; }

        public int Reads => Volatile.Read(ref _reads);

        public async Task<string> ReadAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            await Task.Yield();
            return Failure is null ? Text : throw Failure;
        }
    }
}
