namespace ThreatResponse.Core.Notifications;

/// <summary>Sends a notification to the on-call team's topic.</summary>
public interface INotifier
{
    /// <summary>Returns the message id. Failures surface as <see cref="Containment.AwsOperationException"/>.</summary>
    Task<string> PublishAsync(Notification notification, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <paramref name="notification"/> can be sent as one message. The notifier knows its wire's limits (SNS:
    /// 256 KiB, each protocol's body escaped inside one JSON structure); the composer drops detail until this holds.
    /// </summary>
    bool Fits(Notification notification);
}
