namespace ThreatResponse.Testing;

/// <summary>
/// Query-protocol calls to moto for services whose SDK package is not served here (IAM, SNS set-up). moto routes a
/// request by its Authorization header's credential scope and does not check the signature, so a plain form POST does.
/// </summary>
internal static class MotoForms
{
    private static readonly HttpClient Http = new();

    public static async Task<string> CallAsync(MotoServerFixture moto, string service, string version, string form)
    {
        ArgumentNullException.ThrowIfNull(moto);
        using var request = new HttpRequestMessage(HttpMethod.Post, moto.Endpoint)
        {
            Content = new StringContent($"{form}&Version={version}", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"moto {service} {form}: {(int)response.StatusCode} {body}");
    }
}
