using System.Collections.Concurrent;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Accounts;

/// <summary>
/// Credentials for acting in any account: the function's own for its own account (<c>HOME_ACCOUNT_ID</c>, else STS
/// <c>GetCallerIdentity</c>), and for a member account those of <c>arn:PARTITION:iam::ACCOUNT:role/MEMBER_ROLE_NAME</c>,
/// assumed with AWSSDK.SecurityToken (optional <c>MEMBER_ROLE_EXTERNAL_ID</c>) under a session name that names the
/// finding (passed by the caller) — it shows in the member's CloudTrail — and kept until five minutes before they expire.
/// </summary>
public sealed class MemberAccountCredentials : IDisposable
{
    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);
    private readonly AwsEnvironment _environment;
    private readonly TimeProvider _time;
    private readonly Lazy<AmazonSecurityTokenServiceClient> _sts;
    private readonly Lazy<Task<string>> _homeAccount;
    private readonly ConcurrentDictionary<(string Account, string Session, string? Policy), Lazy<Task<Assumed>>> _assumed = new();
    private readonly object _limitLock = new();
    private IReadOnlyList<string> _limitedTo = [];
    private bool _revokeSessions;
    private volatile string? _sessionPolicy;
    private readonly Func<CancellationToken, Task<AWSCredentials>> _own;

    /// <param name="own">The function's own credentials; null: AWSSDK.Core's default chain.</param>
    public MemberAccountCredentials(AwsEnvironment environment, TimeProvider time, Func<CancellationToken, Task<AWSCredentials>>? own = null)
    {
        _environment = environment;
        _time = time;
        _own = own ?? (ct => DefaultResolver.Value.ResolveIdentityAsync(null!, ct));
        _sts = new(() => new AmazonSecurityTokenServiceClient(new StsCredentials(this), SdkClientSettings.Apply(new AmazonSecurityTokenServiceConfig(), environment, "STS", null)));
        _homeAccount = new(() => environment.Settings.HomeAccountId is { } home ? Task.FromResult(home) : CallerAccountAsync());
    }

    public string RoleName => _environment.Settings.Containment.MemberRoleName;

    /// <summary>
    /// Limits every member-role session from now on to the calls <paramref name="function"/> makes (its
    /// <see cref="MemberSessionPolicy"/>, passed at AssumeRole). A function's handler calls it when it is created; a
    /// second function sharing these credentials (tests) widens the limit to both. Without any, sessions have the member
    /// role's permissions (the CLI: an operator's session).
    /// </summary>
    public void LimitSessionsTo(string function, bool revokeSessions)
    {
        _ = MemberSessionPolicy.ActionsOf(function, revokeSessions);
        lock (_limitLock)
        {
            if (!_limitedTo.Contains(function, StringComparer.Ordinal))
            {
                _limitedTo = [.. _limitedTo, function];
            }

            _revokeSessions |= revokeSessions;
            _sessionPolicy = MemberSessionPolicy.Document(_limitedTo, _revokeSessions, PartitionOf(_environment.Region));
        }
    }

    /// <summary>The session policy AssumeRole is given now; null when sessions are not limited.</summary>
    public string? SessionPolicy => _sessionPolicy;

    /// <summary>Credentials for clients acting in <paramref name="account"/>, resolved at each request.</summary>
    /// <param name="findingKey">The finding the calls are for: a member role's session is named after it; null: an operator's session.</param>
    public AWSCredentials For(string account, string? findingKey = null) => new AccountCredentials(this, account, SessionNameFor(findingKey));

    /// <summary>The account of the function's own credentials.</summary>
    public Task<string> HomeAccountAsync() => _homeAccount.Value;

    /// <summary>
    /// The account is known (now, without a call) to be the function's own: its calls use the function's credentials,
    /// so no role session, and one client serves every finding.
    /// </summary>
    public bool IsKnownHome(string account) =>
        _environment.Settings.HomeAccountId is { } home ? home == account
        : _homeAccount.IsValueCreated && _homeAccount.Value.IsCompletedSuccessfully && _homeAccount.Value.Result == account;

    public void Dispose()
    {
        if (_sts.IsValueCreated)
        {
            _sts.Value.Dispose();
        }
    }

    /// <summary>The role ARN for a member account, in the partition of the Region acted in.</summary>
    public string RoleArnFor(string account, string? region = null) => $"arn:{PartitionOf(region ?? _environment.Region)}:iam::{account}:role/{RoleName}";

    internal static string PartitionOf(string? region) => Core.Findings.AwsPartition.OfRegion(region);

    /// <summary>A role session name (at most 64 of <c>[\w+=,.@-]</c>) naming the finding: its short id.</summary>
    public static string SessionNameFor(string? findingId)
    {
        var shortId = findingId is null ? "operator" : findingId[(findingId.LastIndexOf('/') + 1)..];
        var name = new StringBuilder("ThreatResponse-");
        foreach (var c in shortId)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || "+=,.@-_".Contains(c, StringComparison.Ordinal) ? c : '_');
        }

        return name.Length <= 64 ? name.ToString() : name.ToString(0, 64);
    }

    private async Task<ImmutableCredentials> CredentialsForAsync(string account, string session, CancellationToken cancellationToken)
    {
        if (account == await HomeAccountAsync())
        {
            return await (await _own(cancellationToken)).GetCredentialsAsync();
        }

        // The policy is part of the key: a session assumed before a limit was set is never used after it.
        var key = (account, session, SessionPolicy);
        PruneExpired();
        while (true)
        {
            var entry = _assumed.GetOrAdd(key, k => new Lazy<Task<Assumed>>(() => AssumeAsync(k.Account, k.Session, k.Policy, cancellationToken)));
            try
            {
                var assumed = await entry.Value;
                if (assumed.Expiry is not { } expiry || expiry - _time.GetUtcNow().UtcDateTime > RefreshBefore)
                {
                    return assumed.Credentials;
                }
            }
            catch (AwsOperationException)
            {
                // Do not keep a failure: the next response tries again (the role may have been fixed meanwhile).
                _assumed.TryRemove(new KeyValuePair<(string, string, string?), Lazy<Task<Assumed>>>(key, entry));
                throw;
            }

            _assumed.TryRemove(new KeyValuePair<(string, string, string?), Lazy<Task<Assumed>>>(key, entry));
        }
    }

    /// <summary>One session per finding adds up in a long-lived execution environment: expired ones are let go.</summary>
    private void PruneExpired()
    {
        if (_assumed.Count < 64)
        {
            return;
        }

        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var entry in _assumed)
        {
            if (entry.Value.IsValueCreated && entry.Value.Value.IsCompletedSuccessfully && entry.Value.Value.Result.Expiry is { } expiry && expiry - now <= RefreshBefore)
            {
                _assumed.TryRemove(entry);
            }
        }
    }

    private async Task<Assumed> AssumeAsync(string account, string session, string? policy, CancellationToken cancellationToken)
    {
        var roleArn = RoleArnFor(account);
        try
        {
            var response = await SdkCall.RunAsync("AssumeRole", () => _sts.Value.AssumeRoleAsync(new AssumeRoleRequest
            {
                RoleArn = roleArn,
                RoleSessionName = session,
                ExternalId = _environment.Settings.MemberRoleExternalId,
                DurationSeconds = 3600,
                Policy = policy,
            }, cancellationToken));
            var c = response.Credentials;
            return new Assumed(new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), c.Expiration?.ToUniversalTime());
        }
        catch (AwsOperationException e)
        {
            throw new AwsOperationException("AssumeRole", e.ErrorCode,
                $"cannot act in account {account}: assuming {roleArn} failed ({e.ErrorCode}). Deploy templates/member-role.yaml in that account, trusting this account's function roles", e);
        }
    }

    private async Task<string> CallerAccountAsync()
    {
        using var sts = new AmazonSecurityTokenServiceClient(new StsCredentials(this), SdkClientSettings.Apply(new AmazonSecurityTokenServiceConfig(), _environment, "STS", null));
        return (await SdkCall.RunAsync("GetCallerIdentity", () => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()))).Account;
    }

    private sealed record Assumed(ImmutableCredentials Credentials, DateTime? Expiry);

    private static readonly Lazy<DefaultAWSCredentialsIdentityResolver> DefaultResolver = new(() => new DefaultAWSCredentialsIdentityResolver());

    /// <summary>Asks the cache at every request, so one client per account and Region serves every finding.</summary>
    private sealed class AccountCredentials(MemberAccountCredentials owner, string account, string session) : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials() => GetCredentialsAsync().GetAwaiter().GetResult();

        public override Task<ImmutableCredentials> GetCredentialsAsync() => owner.CredentialsForAsync(account, session, CancellationToken.None);
    }

    /// <summary>The function's own credentials, for STS itself.</summary>
    private sealed class StsCredentials(MemberAccountCredentials owner) : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials() => GetCredentialsAsync().GetAwaiter().GetResult();

        public override async Task<ImmutableCredentials> GetCredentialsAsync() => await (await owner._own(CancellationToken.None)).GetCredentialsAsync();
    }
}
