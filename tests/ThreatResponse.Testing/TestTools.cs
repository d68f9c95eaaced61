using ThreatResponse.LocalAws;

namespace ThreatResponse.Testing;

/// <summary>
/// The Python tools the tests use (moto_server, cfn-lint with the SAM translator, botocore), found on PATH or through
/// the overrides, or provisioned once into the private environment (see <see cref="PythonTools"/>).
/// </summary>
public static class TestTools
{
    private static readonly Lazy<Task<PythonTools>> Resolved = new(() => PythonTools.ResolveAsync(PythonToolNeeds.All, PythonToolsOptions.FromProcess(), Console.Error));

    public static Task<PythonTools> GetAsync() => Resolved.Value;

    /// <summary>For synchronous callers (lazy statics); the first call may install.</summary>
    public static PythonTools Current => Resolved.Value.GetAwaiter().GetResult();
}
