using System.Reflection;
using System.Runtime.CompilerServices;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Tests.Architecture;

/// <summary>
/// No Core method takes more than five parameters: per-request state travels as one value, not as a list. Records'
/// positional constructors (data, not behaviour) and compiler-generated members are not methods in this sense.
/// </summary>
public sealed class ParameterCountTests
{
    private const int MaxParameters = 5;

    [Fact]
    public void CoreMethods_AtMostFiveParameters()
    {
        var offenders = typeof(ContainmentEngine).Assembly.GetTypes()
            .Where(t => !IsGenerated(t) && !IsRecord(t))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Cast<MethodBase>()
                .Concat(t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                .Where(m => !IsGenerated(m) && m.GetParameters().Length > MaxParameters)
                .Select(m => $"{t.FullName}.{m.Name}({m.GetParameters().Length})"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(offenders.Count == 0, $"more than {MaxParameters} parameters:\n" + string.Join('\n', offenders));
    }

    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null || (type.IsValueType && type.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null);

    private static bool IsGenerated(MemberInfo member) =>
        member.IsDefined(typeof(CompilerGeneratedAttribute)) || member.Name.Contains('<', StringComparison.Ordinal)
        || (member.DeclaringType is { } declaring && declaring != member && IsGenerated(declaring));
}
