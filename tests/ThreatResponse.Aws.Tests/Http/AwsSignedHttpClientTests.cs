using System.Net;
using System.Text;
using Amazon.Runtime;
using ThreatResponse.Aws.Http;
using ThreatResponse.Core.Containment;
using ThreatResponse.Testing;

namespace ThreatResponse.Aws.Tests.Http;

public sealed class AwsSignedHttpClientTests
{
    private const string AccessKey = "AKIDEXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly AwsRetryPolicy FastRetry = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), AttemptTimeout = TimeSpan.FromMilliseconds(300) };

    [Theory]
    [InlineData(null)]
    [InlineData("FQoGZXIvYXdzEXAMPLESESSIONTOKEN")]
    public async Task SendAsync_AnyRequest_SignatureVerifiesWithBotocore(string? sessionToken)
    {
        var handler = new ScriptedHandler(ScriptedHandler.Respond(HttpStatusCode.OK, "<ok/>"));
        AWSCredentials credentials = sessionToken is null ? new BasicAWSCredentials(AccessKey, SecretKey) : new SessionAWSCredentials(AccessKey, SecretKey, sessionToken);
        var client = Client(handler, credentials);
        var body = Encoding.UTF8.GetBytes("Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A123456789012%3Atopic&Message=caf%C3%A9%20%26%20%E2%9C%93");

        await client.SendAsync(new AwsHttpRequest("Publish", HttpMethod.Post, "/", body, "application/x-www-form-urlencoded; charset=utf-8"), CancellationToken.None);

        var (request, sent) = Assert.Single(handler.Sent);
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        headers["Content-Type"] = request.Content!.Headers.ContentType!.ToString();
        headers["Host"] = request.RequestUri!.Authority;
        var authorization = headers["Authorization"];
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={AccessKey}/", authorization, StringComparison.Ordinal);
        Assert.Contains("/eu-west-1/sns/aws4_request", authorization, StringComparison.Ordinal);
        Assert.Equal(sessionToken is not null, headers.ContainsKey("X-Amz-Security-Token"));

        var expected = await Botocore.SignatureAsync(HttpMethod.Post, request.RequestUri, headers, sent, AccessKey, SecretKey, sessionToken, "eu-west-1", "sns");

        Assert.EndsWith($"Signature={expected}", authorization, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ThrottledThen503ThenOk_RetriesAndSucceeds()
    {
        var handler = new ScriptedHandler(
            ScriptedHandler.Respond(HttpStatusCode.BadRequest, "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"),
            ScriptedHandler.Respond(HttpStatusCode.ServiceUnavailable, "<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>"),
            ScriptedHandler.Respond(HttpStatusCode.OK, "<ok/>"));

        var response = await Client(handler).SendAsync(Request(), CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, handler.Sent.Count);
        Assert.All(handler.Sent, s => Assert.True(s.Request.Headers.Contains("Authorization")));
    }

    [Fact]
    public async Task SendAsync_ClientError_FailsAtOnceWithAwsCode()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Respond(HttpStatusCode.BadRequest, """{"__type":"com.amazon.coral#InvalidInputException","message":"Note.Text is too long"}""", "application/json"));

        var error = await Assert.ThrowsAsync<AwsOperationException>(() => Client(handler).SendAsync(Request(), CancellationToken.None));

        Assert.Equal("InvalidInputException", error.ErrorCode);
        Assert.Contains("Note.Text is too long", error.Message, StringComparison.Ordinal);
        Assert.Single(handler.Sent);
    }

    [Fact]
    public async Task SendAsync_ServerErrorEveryTime_FailsAfterMaxAttemptsWithCode()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Respond(HttpStatusCode.InternalServerError, "<ErrorResponse><Error><Code>InternalError</Code></Error></ErrorResponse>"));

        var error = await Assert.ThrowsAsync<AwsOperationException>(() => Client(handler).SendAsync(Request(), CancellationToken.None));

        Assert.Equal("InternalError", error.ErrorCode);
        Assert.Contains("after 4 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, handler.Sent.Count);
    }

    [Fact]
    public async Task SendAsync_NoAnswerThenDroppedConnectionThenOk_RetriesBoth()
    {
        var handler = new ScriptedHandler(
            async _ => { await Task.Delay(TimeSpan.FromSeconds(30)); return new HttpResponseMessage(HttpStatusCode.OK); },
            _ => throw new HttpRequestException("connection reset by peer"),
            ScriptedHandler.Respond(HttpStatusCode.OK, "<ok/>"));

        var response = await Client(handler).SendAsync(Request(), CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, handler.Sent.Count);
    }

    [Fact]
    public async Task SendAsync_TimesOutEveryAttempt_ReportsTimeout()
    {
        var handler = new ScriptedHandler(async _ => { await Task.Delay(TimeSpan.FromSeconds(30)); return new HttpResponseMessage(HttpStatusCode.OK); });

        var error = await Assert.ThrowsAsync<AwsOperationException>(() => Client(handler).SendAsync(Request(), CancellationToken.None));

        Assert.Equal("Timeout", error.ErrorCode);
    }

    [Fact]
    public void Resolve_ServiceSpecificEndpoint_WinsOverGeneral()
    {
        var environment = new AwsEnvironment(name => name switch
        {
            "AWS_ENDPOINT_URL" => "http://localhost:4566",
            "AWS_ENDPOINT_URL_SECURITYHUB" => "http://127.0.0.1:9999",
            _ => null,
        });

        Assert.Equal("http://127.0.0.1:9999/", AwsServiceEndpoint.Resolve(environment, "securityhub", "SECURITYHUB", "eu-west-1").ToString());
        Assert.Equal("http://localhost:4566/", AwsServiceEndpoint.Resolve(environment, "sns", "SNS", "eu-west-1").ToString());
        Assert.Equal("https://sns.eu-west-1.amazonaws.com/", AwsServiceEndpoint.Resolve(new AwsEnvironment(_ => null), "sns", "SNS", "eu-west-1").ToString());
        Assert.Equal("https://securityhub.cn-north-1.amazonaws.com.cn/", AwsServiceEndpoint.Resolve(new AwsEnvironment(_ => null), "securityhub", "SECURITYHUB", "cn-north-1").ToString());
    }

    /// <summary>IAM is global: one endpoint and signing Region per partition, as botocore's endpoints.json has them.</summary>
    [Theory]
    [InlineData("eu-west-1", "aws", "aws-global")]
    [InlineData("cn-northwest-1", "aws-cn", "aws-cn-global")]
    [InlineData("us-gov-east-1", "aws-us-gov", "aws-us-gov-global")]
    public void Iam_InstanceRegion_GlobalEndpointAndSigningRegionOfItsPartition(string region, string partition, string globalEndpoint)
    {
        using var endpoints = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(ThreatResponse.Testing.BotocoreModel.DataDirectory, "endpoints.json")));
        var expected = endpoints.RootElement.GetProperty("partitions").EnumerateArray()
            .Single(p => p.GetProperty("partition").GetString() == partition)
            .GetProperty("services").GetProperty("iam").GetProperty("endpoints").GetProperty(globalEndpoint);

        var (endpoint, signingRegion) = AwsServiceEndpoint.Iam(new AwsEnvironment(_ => null), region);

        Assert.Equal($"https://{expected.GetProperty("hostname").GetString()}/", endpoint.ToString());
        Assert.Equal(expected.GetProperty("credentialScope").GetProperty("region").GetString(), signingRegion);
        Assert.Equal("http://127.0.0.1:9999/", AwsServiceEndpoint.Iam(new AwsEnvironment(n => n == "AWS_ENDPOINT_URL_IAM" ? "http://127.0.0.1:9999" : n == "AWS_ENDPOINT_URL" ? "http://localhost:4566" : null), region).Endpoint.ToString());
    }

    private static AwsSignedHttpClient Client(ScriptedHandler handler, AWSCredentials? credentials = null) =>
        new(new HttpClient(handler), new Uri("https://sns.eu-west-1.amazonaws.com/"), "sns", "eu-west-1",
            _ => Task.FromResult(credentials ?? new BasicAWSCredentials(AccessKey, SecretKey)), FastRetry);

    private static AwsHttpRequest Request() =>
        new("Publish", HttpMethod.Post, "/", "Action=Publish"u8.ToArray(), "application/x-www-form-urlencoded");
}
