using BenchmarkDotNet.Attributes;
using ThreatResponse.Core.Intake;
using ThreatResponse.Core.Playbooks;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Benchmarks;

/// <summary>
/// Intake and the playbook's decision, per finding: what every response pays before its first AWS call.
/// Run: dotnet run -c Release --project benchmarks/ThreatResponse.Benchmarks -- --filter '*IntakeAndPlan*'
/// </summary>
[MemoryDiagnoser]
public class IntakeAndPlanBenchmarks
{
    private static readonly LoadedPlaybook DefaultPlaybook = new(Playbook.Default, "default", null);
    private byte[] _guardDuty = [];
    private byte[] _customAction = [];

    [GlobalSetup]
    public void Setup()
    {
        _guardDuty = BenchmarkInputs.Read("events/guardduty-backdoor-c2-web-instance.json");
        _customAction = BenchmarkInputs.Read("events/securityhub-custom-action-isolate-web-instance.json");
    }

    [Benchmark(Description = "GuardDuty event: intake + default playbook decision")]
    public int GuardDuty() => PlaybookDecisions.Decide(FindingEventParser.Parse(_guardDuty).Event!.Findings, DefaultPlaybook, ResponseMode.Enforce).Count;

    [Benchmark(Description = "Custom-action event: intake + default playbook decision")]
    public int CustomAction() => PlaybookDecisions.Decide(FindingEventParser.Parse(_customAction).Event!.Findings, DefaultPlaybook, ResponseMode.Enforce).Count;
}
