namespace ThreatResponse.Core.Tests.Intake;

/// <summary>
/// Raw input bytes for a theory row. Shown as its length in test names: the bytes can be a megabyte long or hold control
/// characters that have no place in a test runner's output.
/// </summary>
public sealed class JsonInput(byte[] bytes)
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    public override string ToString() => $"{Bytes.Length} bytes";
}
