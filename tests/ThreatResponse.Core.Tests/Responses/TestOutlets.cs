using ThreatResponse.Core.Notifications;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Core.Tests.Responses;

/// <summary>Where a response is told, in memory: every notification kept in order, every finding update accepted.</summary>
internal static class TestOutlets
{
    public static ResponseOutlets Recording(List<Notification> notified) => new(new AcceptingUpdater(), new RecordingNotifier(notified), new FindingUpdateOptions());

    private sealed class RecordingNotifier(List<Notification> sent) : INotifier
    {
        public Task<string> PublishAsync(Notification notification, CancellationToken cancellationToken)
        {
            lock (sent)
            {
                sent.Add(notification);
                return Task.FromResult($"message-{sent.Count}");
            }
        }

        public bool Fits(Notification notification) => true;
    }

    private sealed class AcceptingUpdater : IFindingUpdater
    {
        public Task<FindingUpdateResult> UpdateAsync(IReadOnlyList<FindingUpdate> updates, CancellationToken cancellationToken) =>
            Task.FromResult(new FindingUpdateResult(updates.Count, []));
    }
}
