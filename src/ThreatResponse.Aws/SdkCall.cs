using Amazon.Runtime;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws;

/// <summary>
/// The one wrapper around an AWSSDK call: SDK failures become <see cref="AwsOperationException"/> with the AWS error
/// code, responses cut short are retried, and EC2's DryRun answer is read as success.
/// </summary>
internal static class SdkCall
{
    /// <summary>
    /// Runs one SDK call; an AWS error, a client error, a network failure or a timeout becomes an
    /// <see cref="AwsOperationException"/> with the AWS error code. A response cut short (empty or truncated body, which
    /// the SDK's own retries do not cover) is retried twice more before it counts as a failure.
    /// </summary>
    public static async Task<T> RunAsync<T>(string operation, Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await MappedAsync(operation, call);
            }
            catch (AwsOperationException e) when (e.ErrorCode == "MalformedResponse" && attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt * Random.Shared.Next(1, 4)));
            }
        }
    }

    private static async Task<T> MappedAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is System.Xml.XmlException or System.Text.Json.JsonException or IOException)
        {
            throw new AwsOperationException(operation, "MalformedResponse", $"the response was cut short or unreadable: {e.Message}", e);
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
        catch (TimeoutException e)
        {
            // What the SDK makes of an attempt its HTTP client timed out, when it does not retry it itself (EC2's clients).
            throw new AwsOperationException(operation, "Timeout", e.Message, e);
        }
    }

    public const string DryRunOperation = "DryRunOperation";

    /// <summary>An EC2 call taking DryRun: the response, or null when a DryRun call would have succeeded (EC2 answers that as the error <c>DryRunOperation</c>).</summary>
    public static Task<T?> RunEc2Async<T>(string operation, bool dryRun, Func<Task<T>> call)
        where T : class =>
        RunAsync<T?>(operation, async () =>
        {
            try
            {
                return await call();
            }
            catch (AmazonServiceException e) when (dryRun && e.ErrorCode == DryRunOperation)
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
