using System.Diagnostics;
using System.Text.Json;

namespace ThreatResponse.Testing;

/// <summary>Calls into the installed botocore, an implementation of AWS's protocols independent of AWSSDK.Core.</summary>
public static class Botocore
{
    /// <summary>The SigV4 signature botocore computes for a request as it was sent.</summary>
    public static async Task<string> SignatureAsync(HttpMethod method, Uri url, IReadOnlyDictionary<string, string> headers, byte[] body, string accessKey, string secretKey, string? token, string region, string service)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "scripts", "sigv4_signature.py");
        var start = new ProcessStartInfo((await TestTools.GetAsync()).Python) { ArgumentList = { script }, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["method"] = method.Method,
            ["url"] = url.ToString(),
            ["headers"] = headers,
            ["body"] = Convert.ToBase64String(body),
            ["access_key"] = accessKey,
            ["secret_key"] = secretKey,
            ["token"] = token,
            ["region"] = region,
            ["service"] = service,
        }));
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output.Trim() : throw new InvalidOperationException($"botocore signing failed: {errors}");
    }
}
