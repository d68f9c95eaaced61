using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Testing;

/// <summary>The evidence bucket as moto can hold it, and the collection script run on this machine as an instance would run it.</summary>
public static class EvidenceScene
{
    public static string Script => Path.Combine(RepositoryRoot.Path, "evidence", "collect-evidence.sh");

    /// <summary>
    /// The bucket as template.yaml makes it, as far as moto models it: Object Lock with a default retention, under which
    /// S3 (and moto) take an upload only with Content-MD5 or a checksum.
    /// </summary>
    public static async Task CreateBucketAsync(IAmazonS3 s3, string bucket)
    {
        ArgumentNullException.ThrowIfNull(s3);
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket, ObjectLockEnabledForBucket = true });
        await s3.PutObjectLockConfigurationAsync(new PutObjectLockConfigurationRequest
        {
            BucketName = bucket,
            ObjectLockConfiguration = new ObjectLockConfiguration
            {
                ObjectLockEnabled = ObjectLockEnabled.Enabled,
                Rule = new ObjectLockRule { DefaultRetention = new DefaultRetention { Mode = ObjectLockRetentionMode.Compliance, Days = 1 } },
            },
        });
    }

    /// <summary>Runs <c>collect-evidence.sh</c> with its four arguments; its exit code and output.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunScriptAsync(string url, string maxBytes, string label, string writableDirectories)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Script, url, maxBytes, label, writableDirectories })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
