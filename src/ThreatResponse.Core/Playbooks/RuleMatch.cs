using System.Text.RegularExpressions;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Playbooks;

/// <summary>
/// What a rule matches. Every condition given must hold; a list matches when any of its entries does; a condition not
/// given matches everything. Severity is on GuardDuty's 0–10 scale.
/// </summary>
/// <param name="Types">Finding types: exact (<c>UnauthorizedAccess:EC2/TorRelay</c>) or globs with <c>*</c> and <c>?</c> (<c>Backdoor:EC2/*</c>).</param>
/// <param name="SeverityAtLeast">Inclusive lower bound.</param>
/// <param name="SeverityBelow">Exclusive upper bound.</param>
/// <param name="InstanceTags">Tag key → value glob, all of which the instance must carry.</param>
public sealed record RuleMatch(
    IReadOnlyList<string>? Types = null,
    double? SeverityAtLeast = null,
    double? SeverityBelow = null,
    ResourceRole? ResourceRole = null,
    bool? Sample = null,
    IReadOnlyList<string>? Accounts = null,
    IReadOnlyDictionary<string, string>? InstanceTags = null)
{
    public static RuleMatch Everything { get; } = new();

    /// <summary><c>sequence: true</c>: only GuardDuty attack sequences (Extended Threat Detection); <c>false</c>: none of them.</summary>
    public bool? Sequence { get; init; }

    /// <param name="instanceTags">The tags of the instance being decided on (empty when unknown or when the finding names none).</param>
    public bool Matches(Finding finding, IReadOnlyDictionary<string, string> instanceTags)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(instanceTags);
        var score = finding.Severity.Normalized / 10.0;
        return (Types is null || Types.Any(t => Glob(t).IsMatch(finding.Type)))
            && (SeverityAtLeast is not { } atLeast || score >= atLeast)
            && (SeverityBelow is not { } below || score < below)
            && (ResourceRole is not { } role || finding.ResourceRole == role)
            && (Sample is not { } sample || finding.Sample == sample)
            && (Sequence is not { } sequence || (finding.Sequence is not null) == sequence)
            && (Accounts is null || Accounts.Contains(finding.Account, StringComparer.Ordinal))
            && (InstanceTags is null || InstanceTags.All(t => instanceTags.TryGetValue(t.Key, out var value) && Glob(t.Value).IsMatch(value)));
    }

    /// <summary>
    /// A glob as an anchored, culture-free regular expression: <c>*</c> any run, <c>?</c> any one character. Non-backtracking,
    /// so a glob with many <c>*</c> against a long tag value (tags are set by whoever can tag the instance) takes linear time
    /// instead of timing out.
    /// </summary>
    internal static Regex Glob(string pattern) => Globs.GetOrAdd(pattern, Compile);

    /// <summary>Each pattern is compiled once per process: a playbook is matched against every finding.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex> Globs = new(StringComparer.Ordinal);

    private static Regex Compile(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline | RegexOptions.NonBacktracking, TimeSpan.FromMilliseconds(100));
}
