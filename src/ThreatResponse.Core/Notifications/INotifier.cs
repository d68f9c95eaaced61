namespace ThreatResponse.Core.Notifications;

/// <summary>Sends a notification to the on-call team's topic.</summary>
public interface INotifier
{
    /// <summary>Returns the message id. Failures surface as <see cref="Containment.AwsOperationException"/>.</summary>
    Task<string> PublishAsync(Notification notification, CancellationToken cancellationToken);
}
