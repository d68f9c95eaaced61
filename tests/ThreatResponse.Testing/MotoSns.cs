using ThreatResponse.LocalAws;

namespace ThreatResponse.Testing;

/// <summary>SNS set-up in the test emulator (see <see cref="EmulatorForms"/>).</summary>
public static class MotoSns
{
    public static Task<string> CreateTopicAsync(MotoServerFixture moto, string name) => EmulatorForms.CreateTopicAsync(Endpoint(moto), name);

    public static Task SubscribeQueueAsync(MotoServerFixture moto, string topicArn, string queueArn) => EmulatorForms.SubscribeQueueAsync(Endpoint(moto), topicArn, queueArn);

    /// <summary>Subscribes an HTTP endpoint; moto delivers to it during <c>Publish</c>, and fails the publish when it cannot.</summary>
    public static Task SubscribeAsync(MotoServerFixture moto, string topicArn, string protocol, Uri endpoint) =>
        EmulatorForms.SubscribeAsync(Endpoint(moto), topicArn, protocol, endpoint.ToString());

    private static Uri Endpoint(MotoServerFixture moto)
    {
        ArgumentNullException.ThrowIfNull(moto);
        return moto.Endpoint;
    }
}
