using Amazon.EC2;
using Amazon.Runtime;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Ec2;

/// <summary>Runs one EC2 call and turns what the SDK throws into <see cref="AwsOperationException"/>, reading DryRun's answer.</summary>
internal static class Ec2Errors
{
    /// <summary>EC2's answer to a DryRun call that would have succeeded.</summary>
    public const string DryRunOperation = "DryRunOperation";

    public static async Task<T?> CallAsync<T>(string operation, bool dryRun, Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await call();
        }
        catch (AmazonEC2Exception e) when (dryRun && e.ErrorCode == DryRunOperation)
        {
            return null;
        }
        catch (AmazonServiceException e)
        {
            throw new AwsOperationException(operation, e.ErrorCode ?? e.StatusCode.ToString(), e.Message, e);
        }
        catch (AmazonClientException e)
        {
            throw new AwsOperationException(operation, "ClientError", e.Message, e);
        }
        catch (HttpRequestException e)
        {
            throw new AwsOperationException(operation, "NetworkError", e.Message, e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new AwsOperationException(operation, "Timeout", e.Message, e);
        }
    }

    public static Task CallAsync(string operation, bool dryRun, Func<Task> call) =>
        CallAsync<object>(operation, dryRun, async () =>
        {
            await call();
            return new object();
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
