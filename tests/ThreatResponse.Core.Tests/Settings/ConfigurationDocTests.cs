using ThreatResponse.Core.Settings;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Settings;

/// <summary>
/// docs/configuration.md's table says what <see cref="SettingsTable"/> declares: the same variables, in the same
/// order, each with the default and the allowed values the code applies. A row changed on one side only fails here.
/// </summary>
public sealed class ConfigurationDocTests
{
    private static readonly string Document = Path.Combine(RepositoryRoot.Path, "docs", "configuration.md");

    [Fact]
    public void ConfigurationTable_SameVariablesAsTheSettingsTable_InOrder()
    {
        Assert.Equal(SettingsTable.All.Select(s => s.Name), Rows().Select(r => r.Name));
    }

    [Fact]
    public void ConfigurationTable_EachRow_StatesTheKindDefaultAndAllowedValuesTheCodeApplies()
    {
        var rows = Rows().ToDictionary(r => r.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var setting in SettingsTable.All.Where(s => rows.ContainsKey(s.Name)))
        {
            var row = rows[setting.Name];
            if ((row.Kind, row.Default, row.Allowed) != (setting.Kind, setting.Default, setting.Allowed))
            {
                problems.Add($"{setting.Name}: the document says ({row.Kind} | {row.Default} | {row.Allowed}), the code ({setting.Kind} | {setting.Default} | {setting.Allowed})");
            }
        }

        Assert.Empty(problems);
    }

    /// <summary>The rows of the table whose header starts <c>| Variable | Kind | Default | Allowed |</c>; cells unquoted from their backticks.</summary>
    private static List<(string Name, string Kind, string Default, string Allowed)> Rows()
    {
        var lines = File.ReadAllLines(Document);
        var header = Array.FindIndex(lines, l => l.StartsWith("| Variable | Kind | Default | Allowed |", StringComparison.Ordinal));
        Assert.True(header >= 0, "docs/configuration.md has no table headed | Variable | Kind | Default | Allowed |");
        return [.. lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).Select(l =>
        {
            var cells = l.Trim().Trim('|').Split(" | ").Select(c => Unquote(c.Trim())).ToArray();
            Assert.True(cells.Length >= 6, $"not a row of six cells: {l}");
            return (cells[0], cells[1], cells[2], cells[3]);
        })];
    }

    private static string Unquote(string cell) => cell.Length >= 2 && cell[0] == '`' && cell[^1] == '`' ? cell[1..^1] : cell;
}
