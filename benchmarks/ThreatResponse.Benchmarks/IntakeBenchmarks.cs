using BenchmarkDotNet.Attributes;
using ThreatResponse.Core.Intake;

namespace ThreatResponse.Benchmarks;

/// <summary>
/// Intake cost per event. Target: under 50 µs and under 64 KB allocated for a 5 KB GuardDuty event.
/// Run: dotnet run -c Release --project benchmarks/ThreatResponse.Benchmarks -- --filter '*Intake*'
/// </summary>
[MemoryDiagnoser]
public class IntakeBenchmarks
{
    private byte[] _guardDuty5KB = [];
    private byte[] _customAction = [];
    private byte[] _projectSample = [];

    [GlobalSetup]
    public void Setup()
    {
        _guardDuty5KB = BenchmarkInputs.Read("tests/events/guardduty/guardduty-ec2-backdoor-denialofservice-tcp-sample.json");
        _customAction = BenchmarkInputs.Read("tests/events/securityhub-custom-action/securityhub-custom-action-fsbp-ec2.8-imdsv2-awsec2instance.json");
        _projectSample = BenchmarkInputs.Read("events/guardduty-backdoor-c2-web-instance.json");
    }

    [Benchmark(Description = "GuardDuty Finding, 5,236 B (corpus)")]
    public IntakeResult GuardDuty5KB() => FindingEventParser.Parse(_guardDuty5KB);

    [Benchmark(Description = "Security Hub custom action, 4,567 B, AwsEc2Instance")]
    public IntakeResult CustomAction() => FindingEventParser.Parse(_customAction);

    [Benchmark(Description = "GuardDuty Finding, project sample")]
    public IntakeResult ProjectSample() => FindingEventParser.Parse(_projectSample);
}
