using System.Text;

namespace ThreatResponse.Cli.Demo;

/// <summary>Lines written here become progress messages of the demo (for example the one line of a tools install).</summary>
internal sealed class ProgressWriter(Action<string> progress) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void WriteLine(string? value)
    {
        if (value is not null)
        {
            progress(value);
        }
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }
}
