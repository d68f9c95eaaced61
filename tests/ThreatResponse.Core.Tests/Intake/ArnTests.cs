using ThreatResponse.Core.Intake;

namespace ThreatResponse.Core.Tests.Intake;

public sealed class ArnTests
{
    [Theory]
    [InlineData("arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0", "aws", "ec2", "us-east-1", "123456789012", "instance/i-0123456789abcdef0")]
    [InlineData("arn:aws:securityhub:us-east-1::product/aws/guardduty", "aws", "securityhub", "us-east-1", "", "product/aws/guardduty")]
    [InlineData("arn:aws:iam::123456789012:role/Responder", "aws", "iam", "", "123456789012", "role/Responder")]
    [InlineData("arn:aws:s3:::my-bucket", "aws", "s3", "", "", "my-bucket")]
    [InlineData("arn:aws-us-gov:guardduty:us-gov-west-1:123456789012:detector/d1/finding/f1", "aws-us-gov", "guardduty", "us-gov-west-1", "123456789012", "detector/d1/finding/f1")]
    [InlineData("arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-01234567", "aws-cn", "ec2", "cn-north-1", "123456789012", "instance/i-01234567")]
    [InlineData("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*", "aws", "logs", "us-east-1", "123456789012", "log-group:/aws/lambda/fn:*")]
    [InlineData("arn:aws:securityhub:us-east-1:111122223333:action/custom/contain", "aws", "securityhub", "us-east-1", "111122223333", "action/custom/contain")]
    public void TryParse_WellFormedArn_SplitsItsParts(string text, string partition, string service, string region, string account, string resource)
    {
        Assert.True(Arn.TryParse(text, out var arn));
        Assert.Equal(new Arn(partition, service, region, account, resource), arn);
    }

    [Theory]
    [InlineData("arn:aws::ec2:us-east-1:193043430472:instance/i-0c10c2c7863d1a356", "ec2", "us-east-1", "193043430472", "instance/i-0c10c2c7863d1a356")]
    [InlineData("arn:aws::ec2::193043430472:instance/i-0c10c2c7863d1a356", "ec2", "", "193043430472", "instance/i-0c10c2c7863d1a356")]
    [InlineData("arn:aws::logs:us-east-1:123456789012:log-group:/x:*", "logs", "us-east-1", "123456789012", "log-group:/x:*")]
    public void TryParse_DoubledColonAfterPartition_ReadsAsSingle(string text, string service, string region, string account, string resource)
    {
        Assert.True(Arn.TryParse(text, out var arn));
        Assert.Equal(new Arn("aws", service, region, account, resource), arn);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("arn")]
    [InlineData("arn:")]
    [InlineData("arn:aws")]
    [InlineData("arn:aws:ec2")]
    [InlineData("arn:aws:ec2:us-east-1:123456789012")]
    [InlineData("ARN:aws:ec2:us-east-1:123456789012:instance/i-01234567")]
    [InlineData(" arn:aws:ec2:us-east-1:123456789012:instance/i-01234567")]
    [InlineData("urn:aws:ec2:us-east-1:123456789012:instance/i-01234567")]
    [InlineData("arn::ec2:us-east-1:123456789012:instance/i-01234567")]
    [InlineData("arn:aws::us-east-1:123456789012:instance/i-01234567")]
    [InlineData("i-0123456789abcdef0")]
    public void TryParse_NotAnArn_ReturnsFalse(string? text)
    {
        Assert.False(Arn.TryParse(text, out var arn));
        Assert.Equal(default, arn);
    }
}
