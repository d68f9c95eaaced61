// Kept whole: one grammar, the playbook's YAML/JSON, with a JSON path on every error.
using System.Globalization;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Intake;
using ThreatResponse.Core.Responses;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ThreatResponse.Core.Playbooks;

/// <summary>
/// Reads a playbook from YAML or JSON and checks all of it, reporting every problem with where it is
/// (<c>rules[2].match.severityAtLeast: 'high' is not a number</c>), so a team can fix a playbook in one pass.
/// </summary>
public static class PlaybookParser
{
    public const int MaxLength = 64 * 1024;
    private const int MaxRules = 200;

    private static readonly string[] RuleFields = ["name", "description", "match", "actions", "mode", "networkAcl", "moreSevereOverridesRelease", "evidenceFirstSeconds"];
    private static readonly string[] MatchFields = ["types", "severityAtLeast", "severityBelow", "resourceRole", "sample", "sequence", "accounts", "instanceTags"];

    /// <param name="source">Where the text came from, for messages (a file, <c>PLAYBOOK</c>, an SSM parameter).</param>
    /// <exception cref="PlaybookException">The playbook is not valid; <see cref="PlaybookException.Errors"/> lists why.</exception>
    public static Playbook Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new PlaybookException(source, [$"is {text.Length} characters long; at most {MaxLength} are accepted"]);
        }

        YamlNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 1 ? stream.Documents[0].RootNode : throw new PlaybookException(source, ["holds no document, or more than one"]);
        }
        catch (YamlException e)
        {
            throw new PlaybookException(source, [$"not valid YAML or JSON (line {e.Start.Line}, column {e.Start.Column}): {e.Message}"]);
        }

        var errors = new List<string>();
        var rules = ReadRoot(root, errors);
        if (errors.Count > 0)
        {
            throw new PlaybookException(source, errors);
        }

        return new Playbook(rules);
    }

    private static List<PlaybookRule> ReadRoot(YamlNode root, List<string> errors)
    {
        var rules = new List<PlaybookRule>();
        if (root is not YamlMappingNode document)
        {
            errors.Add("$: expected a mapping with 'version' and 'rules'");
            return rules;
        }

        Unknown(document, "$", ["version", "rules"], errors);
        if (Scalar(document, "version", "$", errors) is not "1")
        {
            errors.Add("version: must be 1");
        }

        if (Child(document, "rules") is not YamlSequenceNode { Children.Count: > 0 } list)
        {
            errors.Add("rules: expected a non-empty list of rules");
            return rules;
        }

        if (list.Children.Count > MaxRules)
        {
            errors.Add($"rules: {list.Children.Count} rules; at most {MaxRules} are accepted");
            return rules;
        }

        // Names and the position of 'match' are checked on every rule, also one with other problems, so that fixing
        // those does not reveal new errors on the next pass.
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Children.Count; i++)
        {
            var path = $"rules[{i}]";
            var rule = ReadRule(list.Children[i], path, errors);
            if (list.Children[i] is YamlMappingNode node)
            {
                if (Child(node, "name") is YamlScalarNode { Value: { } name } && !string.IsNullOrWhiteSpace(name) && !names.Add(name))
                {
                    errors.Add($"{path}.name: '{name}' is used by an earlier rule");
                }

                var hasMatch = Child(node, "match") is not null;
                if (!hasMatch && i < list.Children.Count - 1)
                {
                    errors.Add($"{path}: matches everything, so the rules after it would never apply; only the last rule may");
                }

                if (hasMatch && i == list.Children.Count - 1)
                {
                    errors.Add($"{path}: the last rule must have no 'match', so that every finding gets a decision");
                }
            }

            if (rule is not null)
            {
                rules.Add(rule);
            }
        }

        return rules;
    }

    private static PlaybookRule? ReadRule(YamlNode node, string path, List<string> errors)
    {
        if (node is not YamlMappingNode rule)
        {
            errors.Add($"{path}: expected a mapping with 'name', 'match' and 'actions'");
            return null;
        }

        var before = errors.Count;
        Unknown(rule, path, RuleFields, errors);
        var name = Scalar(rule, "name", path, errors);
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add($"{path}.name: required");
        }

        _ = Scalar(rule, "description", path, errors);
        var match = Child(rule, "match") is { } matchNode ? ReadMatch(matchNode, $"{path}.match", errors) : RuleMatch.Everything;
        var actions = ReadActions(rule, path, errors);
        ResponseMode? mode = null;
        if (Scalar(rule, "mode", path, errors) is { } modeText)
        {
            try
            {
                mode = ResponseModes.Parse(modeText);
            }
            catch (FormatException)
            {
                errors.Add($"{path}.mode: '{modeText}' is not off, dry-run or enforce");
            }
        }

        var networkAcl = Flag(rule, "networkAcl", path, errors);
        if (networkAcl is not null && !actions.Contains(ContainmentAction.Isolate))
        {
            errors.Add($"{path}.networkAcl: only means something for a rule whose actions include isolate");
        }

        var overridesRelease = Flag(rule, "moreSevereOverridesRelease", path, errors);
        if (overridesRelease == true && actions.Count == 0)
        {
            errors.Add($"{path}.moreSevereOverridesRelease: only means something for a rule that contains (its actions are notify only)");
        }

        int? evidenceFirst = null;
        if (Scalar(rule, "evidenceFirstSeconds", path, errors) is { } firstText)
        {
            if (!int.TryParse(firstText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 300)
            {
                errors.Add($"{path}.evidenceFirstSeconds: '{firstText}' is not a whole number of seconds from 1 to 300");
            }
            else if (!actions.Contains(ContainmentAction.Collect) || !actions.Contains(ContainmentAction.Isolate))
            {
                errors.Add($"{path}.evidenceFirstSeconds: only means something for a rule whose actions include collect and isolate");
            }
            else
            {
                evidenceFirst = seconds;
            }
        }

        return errors.Count == before
            ? new PlaybookRule(name!, match ?? RuleMatch.Everything, actions, mode) { NetworkAcl = networkAcl, MoreSevereOverridesRelease = overridesRelease ?? false, EvidenceFirstSeconds = evidenceFirst }
            : null;
    }

    /// <summary>An optional true/false field; null when absent or invalid (with an error).</summary>
    private static bool? Flag(YamlMappingNode node, string key, string path, List<string> errors)
    {
        if (Scalar(node, key, path, errors) is not { } text)
        {
            return null;
        }

        bool? value = bool.TryParse(text, out var parsed) ? parsed : null;
        if (value is null)
        {
            errors.Add($"{path}.{key}: '{text}' is neither true nor false");
        }

        return value;
    }

    private static List<ContainmentAction> ReadActions(YamlMappingNode rule, string path, List<string> errors)
    {
        var actions = new List<ContainmentAction>();
        var choices = $"notify, {string.Join(", ", ContainmentActionNames.Requestable)}";
        if (Child(rule, "actions") is not YamlSequenceNode { Children.Count: > 0 } list)
        {
            errors.Add($"{path}.actions: expected a non-empty list of {choices}");
            return actions;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var text = (list.Children[i] as YamlScalarNode)?.Value;
            if (text == "notify")
            {
                continue; // every response notifies; listing it says "and nothing else" when alone
            }

            if (!ContainmentActionNames.TryParseRequestable(text, out var action))
            {
                errors.Add($"{path}.actions[{i}]: '{text}' is not one of {choices}");
            }
            else if (actions.Contains(action))
            {
                errors.Add($"{path}.actions[{i}]: '{text}' is listed twice");
            }
            else
            {
                actions.Add(action);
            }
        }

        if (ContainmentActionNames.Conflict(actions) is { } conflict)
        {
            errors.Add($"{path}.actions: {conflict}");
        }

        return actions;
    }

    private static RuleMatch? ReadMatch(YamlNode node, string path, List<string> errors)
    {
        if (node is not YamlMappingNode match)
        {
            errors.Add($"{path}: expected a mapping of conditions");
            return null;
        }

        if (match.Children.Count == 0)
        {
            errors.Add($"{path}: is empty; leave 'match' out for a rule that matches everything");
            return null;
        }

        Unknown(match, path, MatchFields, errors);
        var types = Strings(match, "types", path, errors);
        foreach (var (type, index) in (types ?? []).Select((t, i) => (t, i)))
        {
            if (string.IsNullOrWhiteSpace(type) || type.Length > IntakeLimits.MaxFieldLength)
            {
                errors.Add($"{path}.types[{index}]: must be a finding type or a glob of at most {IntakeLimits.MaxFieldLength} characters");
            }
        }

        var atLeast = Severity(match, "severityAtLeast", path, errors);
        var below = Severity(match, "severityBelow", path, errors);
        if (atLeast is { } a && below is { } b && a >= b)
        {
            errors.Add($"{path}: severityAtLeast {a} is not below severityBelow {b}, so the rule can never match");
        }

        ResourceRole? role = null;
        if (Scalar(match, "resourceRole", path, errors) is { } roleText)
        {
            role = ResourceRoles.TryParse(roleText);
            if (role is null)
            {
                errors.Add($"{path}.resourceRole: '{roleText}' is neither ACTOR nor TARGET");
            }
        }

        var sample = Flag(match, "sample", path, errors);
        var sequence = Flag(match, "sequence", path, errors);

        var accounts = Strings(match, "accounts", path, errors);
        foreach (var (account, index) in (accounts ?? []).Select((t, i) => (t, i)))
        {
            if (!AwsNames.IsAccountId(account))
            {
                errors.Add($"{path}.accounts[{index}]: '{account}' is not a 12-digit AWS account id");
            }
        }

        Dictionary<string, string>? tags = null;
        if (Child(match, "instanceTags") is { } tagsNode)
        {
            if (tagsNode is YamlMappingNode { Children.Count: > 0 } tagMap && tagMap.Children.All(p => p.Key is YamlScalarNode && p.Value is YamlScalarNode))
            {
                tags = tagMap.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value ?? string.Empty, p => ((YamlScalarNode)p.Value).Value ?? string.Empty, StringComparer.Ordinal);
            }
            else
            {
                errors.Add($"{path}.instanceTags: expected a mapping of tag key to value (globs allowed in values)");
            }
        }

        return new RuleMatch(types, atLeast, below, role, sample, accounts, tags) { Sequence = sequence };
    }

    private static double? Severity(YamlMappingNode node, string key, string path, List<string> errors)
    {
        if (Scalar(node, key, path, errors) is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value is not (>= 0 and <= 10))
        {
            errors.Add($"{path}.{key}: '{text}' is not a severity from 0 to 10 (GuardDuty's scale)");
            return null;
        }

        return value;
    }

    /// <summary>A list of strings; a single string is taken as a list of one.</summary>
    private static List<string>? Strings(YamlMappingNode node, string key, string path, List<string> errors)
    {
        switch (Child(node, key))
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                return [scalar.Value ?? string.Empty];
            case YamlSequenceNode { Children.Count: > 0 } list when list.Children.All(c => c is YamlScalarNode):
                return [.. list.Children.Select(c => ((YamlScalarNode)c).Value ?? string.Empty)];
            default:
                errors.Add($"{path}.{key}: expected a non-empty list of strings");
                return null;
        }
    }

    private static string? Scalar(YamlMappingNode node, string key, string path, List<string> errors)
    {
        switch (Child(node, key))
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                return scalar.Value;
            default:
                errors.Add($"{(path == "$" ? key : $"{path}.{key}")}: expected a single value");
                return null;
        }
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static void Unknown(YamlMappingNode node, string path, string[] known, List<string> errors)
    {
        foreach (var key in node.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "?";
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                errors.Add($"{(path == "$" ? name : $"{path}.{name}")}: unknown field (expected one of {string.Join(", ", known)})");
            }
        }
    }
}
