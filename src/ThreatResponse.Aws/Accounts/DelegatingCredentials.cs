using Amazon.Runtime;

namespace ThreatResponse.Aws.Accounts;

/// <summary>SDK credentials that come from a function (the demo's and the tests' dummy credentials, say).</summary>
public sealed class DelegatingCredentials(Func<CancellationToken, Task<AWSCredentials>> source) : AWSCredentials
{
    public override ImmutableCredentials GetCredentials() => GetCredentialsAsync().GetAwaiter().GetResult();

    public override async Task<ImmutableCredentials> GetCredentialsAsync() => await (await source(CancellationToken.None)).GetCredentialsAsync();
}
