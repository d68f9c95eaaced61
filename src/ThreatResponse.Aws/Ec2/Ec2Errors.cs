using Amazon.EC2;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Ec2;

/// <summary>Runs one EC2 call like <see cref="AwsSdk.CallAsync{T}"/>, reading DryRun's answer: success comes back as the error <c>DryRunOperation</c>.</summary>
internal static class Ec2Errors
{
    public const string DryRunOperation = "DryRunOperation";

    /// <summary>The response, or null when a DryRun call would have succeeded.</summary>
    public static Task<T?> CallAsync<T>(string operation, bool dryRun, Func<Task<T>> call)
        where T : class =>
        AwsSdk.CallAsync<T?>(operation, async () =>
        {
            try
            {
                return await call();
            }
            catch (AmazonEC2Exception e) when (dryRun && e.ErrorCode == DryRunOperation)
            {
                return null;
            }
        });

    /// <summary>A DryRun call that EC2 answered with success instead of <c>DryRunOperation</c> acted for real: say so.</summary>
    public static void EnsureDryRunDidNotAct(string operation, bool dryRun, object? response)
    {
        if (dryRun && response is not null)
        {
            throw new AwsOperationException(operation, "DryRunNotHonoured", "the endpoint acted on a DryRun request instead of answering DryRunOperation");
        }
    }
}
