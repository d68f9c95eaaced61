using System.Text;
using System.Xml;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Http;

/// <summary>A query-protocol call (form body, XML response) on a signed client: SNS, Auto Scaling, ELBv2.</summary>
internal static class QueryProtocol
{
    public static async Task<XmlDocument> CallAsync(AwsSignedHttpClient client, string action, string version, IEnumerable<(string Key, string Value)> parameters, CancellationToken cancellationToken)
    {
        var form = new List<(string Key, string Value)> { ("Action", action), ("Version", version) };
        form.AddRange(parameters);
        var body = Encoding.UTF8.GetBytes(string.Join('&', form.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}")));
        var response = await client.SendAsync(new AwsHttpRequest(action, HttpMethod.Post, "/", body, "application/x-www-form-urlencoded; charset=utf-8"), cancellationToken);
        try
        {
            var xml = new XmlDocument { XmlResolver = null };
            using var reader = XmlReader.Create(new MemoryStream(response.Body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
            xml.Load(reader);
            return xml;
        }
        catch (XmlException e)
        {
            throw new AwsOperationException(action, "MalformedResponse", e.Message, e);
        }
    }

    /// <summary>The text of the first descendant of <paramref name="node"/> named <paramref name="name"/>, namespace aside.</summary>
    public static string? Text(XmlNode node, string name) => node.SelectSingleNode($".//*[local-name()='{name}']")?.InnerText;

    public static IEnumerable<XmlNode> Members(XmlNode node, string listName) =>
        node.SelectNodes($".//*[local-name()='{listName}']/*[local-name()='member']")?.Cast<XmlNode>() ?? [];
}
