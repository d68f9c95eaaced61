using ThreatResponse.Aws.Http;
using ThreatResponse.Aws.Notifications;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;
using ThreatResponse.Testing;

namespace ThreatResponse.Aws.Tests.Notifications;

/// <summary>Against the Security Hub stand-in, which checks every request against botocore's model of BatchUpdateFindings.</summary>
public sealed class SecurityHubFindingUpdaterTests : IDisposable
{
    private static readonly AwsRetryPolicy FastRetry = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };
    private readonly SecurityHubModelEndpoint _securityHub = new();
    private readonly SignedClientFactory _clients;

    public SecurityHubFindingUpdaterTests()
    {
        _clients = new SignedClientFactory(new AwsEnvironment(n => n == "AWS_ENDPOINT_URL_SECURITYHUB" ? _securityHub.Endpoint.ToString() : null), retry: FastRetry)
        {
            Credentials = _ => Task.FromResult(MotoServerFixture.Credentials),
        };
    }

    public void Dispose()
    {
        _clients.Dispose();
        _securityHub.Dispose();
    }

    [Fact]
    public async Task UpdateAsync_ContainedGuardDutyFinding_NoteWorkflowAndFieldsApplied()
    {
        var response = SampleResponses.Isolated();
        var updates = FindingUpdateComposer.Compose(response, "us-east-1", new FindingUpdateOptions());

        var result = await Updater().UpdateAsync(updates, CancellationToken.None);

        Assert.Empty(_securityHub.Violations);
        Assert.Equal(1, result.Processed);
        Assert.Empty(result.Unprocessed);
        var finding = response.Findings[0].Finding;
        var applied = _securityHub.Finding(finding.Id);
        Assert.NotNull(applied);
        Assert.Equal("arn:aws:securityhub:us-east-1::product/aws/guardduty", applied.ProductArn);
        Assert.Equal("NOTIFIED", applied.WorkflowStatus);
        Assert.Equal("ThreatResponse", applied.UpdatedBy);
        Assert.StartsWith("ThreatResponse tr-0193f2c4d5e6f708a9b0c1d2e3f40516: isolate+snapshot succeeded.", applied.Note, StringComparison.Ordinal);
        Assert.Equal("succeeded", applied.UserDefinedFields["ThreatResponseOutcome"]);
        Assert.Equal("i-0a1b2c3d4e5f60718:succeeded", applied.UserDefinedFields["ThreatResponseInstances"]);
    }

    [Fact]
    public async Task UpdateAsync_FailedContainment_NoteSaysSoAndWorkflowUntouched()
    {
        var updates = FindingUpdateComposer.Compose(SampleResponses.Isolated(StepOutcome.Failed), "us-east-1", new FindingUpdateOptions());

        await Updater().UpdateAsync(updates, CancellationToken.None);

        var applied = _securityHub.Finding(updates[0].Id)!;
        Assert.Null(applied.WorkflowStatus);
        Assert.Contains("failed", applied.Note, StringComparison.Ordinal);
        Assert.Empty(_securityHub.Violations);
    }

    [Fact]
    public async Task UpdateAsync_250FindingsSameContent_ThreeCallsOfAtMost100()
    {
        var updates = Enumerable.Range(0, 250).Select(i => Update($"finding-{i}", "aws-us-gov", "us-gov-west-1")).ToList();

        var result = await Updater().UpdateAsync(updates, CancellationToken.None);

        Assert.Equal(250, result.Processed);
        Assert.Equal([100, 100, 50], _securityHub.Requests.Select(r => r.GetProperty("FindingIdentifiers").GetArrayLength()));
        Assert.Equal("arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/guardduty", _securityHub.Finding("finding-7")!.ProductArn);
        Assert.Empty(_securityHub.Violations);
    }

    [Fact]
    public async Task UpdateAsync_TransientUnprocessed_RetriedUntilProcessed()
    {
        _securityHub.LeaveUnprocessed("finding-2", "LimitExceeded", times: 1);

        var result = await Updater().UpdateAsync([Update("finding-1"), Update("finding-2")], CancellationToken.None);

        Assert.Equal(2, result.Processed);
        Assert.Empty(result.Unprocessed);
        Assert.Equal(2, _securityHub.Requests.Count);
        Assert.Equal(1, _securityHub.Requests[1].GetProperty("FindingIdentifiers").GetArrayLength());
    }

    [Fact]
    public async Task UpdateAsync_PermanentlyUnprocessed_ReturnedNotRetried()
    {
        _securityHub.LeaveUnprocessed("finding-2", "FindingNotFound");

        var result = await Updater().UpdateAsync([Update("finding-1"), Update("finding-2")], CancellationToken.None);

        Assert.Equal(1, result.Processed);
        var left = Assert.Single(result.Unprocessed);
        Assert.Equal(("finding-2", "FindingNotFound"), (left.Id, left.ErrorCode));
        Assert.Single(_securityHub.Requests);
    }

    [Fact]
    public async Task UpdateAsync_AlwaysTransientlyUnprocessed_ReportedAfterRetries()
    {
        _securityHub.LeaveUnprocessed("finding-1", "InternalFailure");

        var result = await Updater().UpdateAsync([Update("finding-1")], CancellationToken.None);

        Assert.Equal(("finding-1", "InternalFailure"), (Assert.Single(result.Unprocessed).Id, result.Unprocessed[0].ErrorCode));
        Assert.Equal(3, _securityHub.Requests.Count);
    }

    [Fact]
    public async Task UpdateAsync_Throttled_RetriedBySignedClient()
    {
        _securityHub.FailNext(429, "TooManyRequestsException");

        var result = await Updater().UpdateAsync([Update("finding-1")], CancellationToken.None);

        Assert.Equal(1, result.Processed);
    }

    [Fact]
    public async Task UpdateAsync_BlankNote_StandInRefusesWithInvalidInput()
    {
        // The stand-in's model check is real: a blank note breaks NonEmptyString's pattern (.*\S.*). The model sets no
        // maximum length for Note.Text; the documented 512 characters are kept by the composer (FindingUpdateComposerTests).
        var error = await Assert.ThrowsAsync<AwsOperationException>(() => Updater().UpdateAsync([Update("finding-1") with { Note = " " }], CancellationToken.None));

        Assert.Equal("InvalidInputException", error.ErrorCode);
        Assert.Contains(_securityHub.Violations, v => v.Contains("$.Note.Text", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpdateAsync_V2Finding_BatchUpdateFindingsV2WithCommentAndInProgressStatus()
    {
        var updates = new[] { UpdateV2("finding-1", "uid-1"), UpdateV2("finding-2", "uid-2"), Update("finding-3") };

        var result = await Updater().UpdateAsync(updates, CancellationToken.None);

        Assert.Empty(_securityHub.Violations);
        Assert.Equal(3, result.Processed);
        var applied = _securityHub.Finding("uid-1");
        Assert.NotNull(applied);
        Assert.Equal("BatchUpdateFindingsV2", applied.Operation);
        Assert.Equal("ThreatResponse tr-1: isolate succeeded.", applied.Note);
        Assert.Equal(2, applied.StatusId); // NOTIFIED: In Progress
        Assert.Equal("us-east-1", applied.Region);
        Assert.NotNull(_securityHub.Finding("uid-2"));
        Assert.Equal("BatchUpdateFindings", _securityHub.Finding("finding-3")!.Operation);
        Assert.Null(_securityHub.Finding("finding-1")); // addressed by its V2 id, never as an ASFF finding
        Assert.Equal(2, _securityHub.Requests.Count); // one call per API
    }

    [Fact]
    public async Task UpdateAsync_V2WorkflowUntouched_NoStatusIdSent()
    {
        await Updater().UpdateAsync([UpdateV2("finding-1", "uid-1") with { WorkflowStatus = null }], CancellationToken.None);

        Assert.False(Assert.Single(_securityHub.Requests).TryGetProperty("StatusId", out _));
        Assert.Null(_securityHub.Finding("uid-1")!.StatusId);
        Assert.Empty(_securityHub.Violations);
    }

    [Fact]
    public async Task UpdateAsync_V2Unprocessed_TransientRetriedPermanentReportedByTheFindingsId()
    {
        _securityHub.LeaveUnprocessed("uid-1", "ConflictException", times: 1);
        _securityHub.LeaveUnprocessed("uid-2", "ResourceNotFoundException");

        var result = await Updater().UpdateAsync([UpdateV2("finding-1", "uid-1"), UpdateV2("finding-2", "uid-2")], CancellationToken.None);

        Assert.Equal(1, result.Processed);
        var left = Assert.Single(result.Unprocessed);
        Assert.Equal(("finding-2", "ResourceNotFoundException", false), (left.Id, left.ErrorCode, left.WorthRetrying));
        Assert.Equal(2, _securityHub.Requests.Count);
        Assert.Equal(["uid-1"], _securityHub.Requests[1].GetProperty("MetadataUids").EnumerateArray().Select(u => u.GetString()));
    }

    [Fact]
    public async Task UpdateAsync_150V2Findings_TwoCallsOfAtMost100()
    {
        var result = await Updater().UpdateAsync([.. Enumerable.Range(0, 150).Select(i => UpdateV2($"finding-{i}", $"uid-{i}"))], CancellationToken.None);

        Assert.Equal(150, result.Processed);
        Assert.Equal([100, 50], _securityHub.Requests.Select(r => r.GetProperty("MetadataUids").GetArrayLength()));
        Assert.Empty(_securityHub.Violations);
    }

    private static FindingUpdate UpdateV2(string id, string metadataUid) =>
        Update(id) with { ProductArn = "arn:aws:securityhub:us-east-1::productv2/aws/guardduty", MetadataUid = metadataUid };

    private SecurityHubFindingUpdater Updater() => new(_clients.SecurityHub, retry: FastRetry with { MaxAttempts = 3 });

    private static FindingUpdate Update(string id, string partition = "aws", string region = "us-east-1") =>
        new(id, $"arn:{partition}:securityhub:{region}::product/aws/guardduty", region, "ThreatResponse tr-1: isolate succeeded.", "NOTIFIED",
            new Dictionary<string, string> { ["ThreatResponseOutcome"] = "succeeded" });
}
