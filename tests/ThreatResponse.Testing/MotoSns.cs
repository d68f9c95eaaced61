using ThreatResponse.LocalAws;

namespace ThreatResponse.Testing;

/// <summary>SNS set-up in the test emulator (see <see cref="EmulatorForms"/>).</summary>
public static class MotoSns
{
    public static Task<string> CreateTopicAsync(MotoServerFixture moto, string name) => EmulatorForms.CreateTopicAsync(Endpoint(moto), name);

    public static Task SubscribeQueueAsync(MotoServerFixture moto, string topicArn, string queueArn) => EmulatorForms.SubscribeQueueAsync(Endpoint(moto), topicArn, queueArn);

    private static Uri Endpoint(MotoServerFixture moto)
    {
        ArgumentNullException.ThrowIfNull(moto);
        return moto.Endpoint;
    }
}
