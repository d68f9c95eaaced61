using System.Globalization;

namespace ThreatResponse.Core.Containment.State;

/// <summary>
/// Keeps <see cref="PreIsolationState"/> in instance tags when there is no ledger. Tag values hold at most 256
/// characters, and an instance with several ENIs and many groups needs more, so the state is compact JSON split over
/// <c>ThreatResponse:State:1</c> … <c>:N</c>. EC2 allows 50 tags per resource, which bounds what fits.
/// </summary>
public static class IsolationStateTags
{
    public const string KeyPrefix = QuarantineTags.Prefix + "State:";

    /// <summary>EC2's limit of tags per resource.</summary>
    public const int MaxTagsPerResource = 50;

    private const int ChunkLength = FindingKey.MaxTagValueLength;

    public static Dictionary<string, string> Encode(PreIsolationState state)
    {
        ArgumentNullException.ThrowIfNull(state);

        // The default encoder escapes every non-ASCII character, so chunks never split a surrogate pair.
        var json = IsolationStateJson.Serialize(state);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int offset = 0, part = 1; offset < json.Length; offset += ChunkLength, part++)
        {
            tags[KeyPrefix + part.ToString(CultureInfo.InvariantCulture)] = json.Substring(offset, Math.Min(ChunkLength, json.Length - offset));
        }

        return tags;
    }

    public static bool IsStateKey(string key) => key.StartsWith(KeyPrefix, StringComparison.Ordinal);

    /// <summary>The saved state, or null when the tags hold none.</summary>
    /// <exception cref="FormatException">State tags are present but incomplete or unreadable.</exception>
    public static PreIsolationState? Decode(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var parts = new SortedDictionary<int, string>();
        foreach (var (key, value) in tags)
        {
            if (!IsStateKey(key))
            {
                continue;
            }

            if (!int.TryParse(key.AsSpan(KeyPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var part) || part < 1)
            {
                throw new FormatException($"tag {key} is not a state part");
            }

            parts[part] = value;
        }

        if (parts.Count == 0)
        {
            return null;
        }

        if (parts.Keys.Last() != parts.Count)
        {
            throw new FormatException($"state parts {string.Join(',', parts.Keys)} are not 1..{parts.Count}: a tag is missing");
        }

        return IsolationStateJson.Deserialize(string.Concat(parts.Values));
    }
}
