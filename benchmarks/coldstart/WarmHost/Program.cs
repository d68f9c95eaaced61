using ThreatResponse.Aws;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;

// Warm containment: the engine is built once (as a Lambda execution environment builds it), then each stdin line is an
// instance id to isolate, answered by one stdout line with the outcome. The same engine and settings as
// `threat-response contain --actions isolate --account ACCOUNT --region REGION`; the caller times each line.
// Usage: WarmHost ACCOUNT REGION
var (account, region) = (args[0], args[1]);
using var aws = new AwsCompositionRoot(AwsEnvironment.Process, TimeProvider.System);
while (await Console.In.ReadLineAsync() is { Length: > 0 } line)
{
    var request = new ContainmentRequest(null, [new InstanceReference(InstanceId.Parse(line.Trim()), account, region)], [ContainmentAction.Isolate], DryRun: false);
    var report = await aws.Engine.RunAsync(request, CancellationToken.None);
    await Console.Out.WriteLineAsync(report.Outcome.Text());
    await Console.Out.FlushAsync();
}
