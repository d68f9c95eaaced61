using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Playbooks;

/// <summary>Ordered rules; the first that matches a finding (and instance) decides. The last rule matches everything.</summary>
public sealed class Playbook
{
    public Playbook(IReadOnlyList<PlaybookRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Count == 0 || rules[^1].Match != RuleMatch.Everything)
        {
            throw new ArgumentException("a playbook ends with a default rule that matches everything", nameof(rules));
        }

        Rules = rules;
    }

    public IReadOnlyList<PlaybookRule> Rules { get; }

    /// <summary>The embedded default playbook (see docs/playbook.md).</summary>
    public static Playbook Default { get; } = LoadDefault();

    /// <summary>The rule that decides for the finding and one of its instances (or the finding alone when it names none).</summary>
    public PlaybookRule Decide(Finding finding, InstanceReference? instance)
    {
        ArgumentNullException.ThrowIfNull(finding);
        IReadOnlyDictionary<string, string> tags = instance is not null && finding.InstanceTags.TryGetValue(instance.InstanceId.Value, out var known)
            ? known
            : new Dictionary<string, string>();
        return Rules.First(rule => rule.Match.Matches(finding, tags));
    }

    private static Playbook LoadDefault()
    {
        using var stream = typeof(Playbook).Assembly.GetManifestResourceStream("default-playbook.yaml")
            ?? throw new InvalidOperationException("the default playbook is not embedded");
        using var reader = new StreamReader(stream);
        return PlaybookParser.Parse(reader.ReadToEnd(), "default playbook");
    }
}
