namespace ThreatResponse.LocalAws;

/// <summary>Which of the Python tools a caller needs: the demo only the emulator, the tests all three.</summary>
[Flags]
public enum PythonToolNeeds
{
    None = 0,
    MotoServer = 1,
    CfnLint = 2,
    PythonModules = 4,
    All = MotoServer | CfnLint | PythonModules,
}
