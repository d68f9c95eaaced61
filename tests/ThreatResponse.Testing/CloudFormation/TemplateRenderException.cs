namespace ThreatResponse.Testing.CloudFormation;

/// <summary>CloudFormation would refuse the template or its parameters; the message says where and why.</summary>
public sealed class TemplateRenderException : Exception
{
    public TemplateRenderException(string message)
        : base(message)
    {
    }
}
