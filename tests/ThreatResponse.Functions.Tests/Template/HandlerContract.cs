using System.Reflection;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// What the managed dotnet10 runtime needs of a handler string <c>Assembly::Type::Method</c> without
/// Amazon.Lambda.Core: a public concrete type named like the function with a parameterless constructor, and one public
/// method taking one Stream and returning Stream or Task&lt;Stream&gt; (no serializer is deployed).
/// </summary>
internal static class HandlerContract
{
    /// <summary>Every way <paramref name="handler"/> of <paramref name="function"/> fails the contract; <paramref name="load"/> finds the assembly by name.</summary>
    public static IReadOnlyList<string> Violations(string function, string handler, Func<string, Assembly> load)
    {
        var parts = handler.Split("::");
        if (parts.Length != 3)
        {
            return [$"{function}: '{handler}' is not Assembly::Type::Method"];
        }

        var type = load(parts[0]).GetType(parts[1]);
        if (type is not { IsPublic: true, IsAbstract: false })
        {
            return [$"{function}: {parts[1]} is not a public concrete type in {parts[0]}"];
        }

        var errors = new List<string>();
        if (type.GetConstructor(Type.EmptyTypes) is null)
        {
            errors.Add($"{function}: {type.Name} has no parameterless constructor for the runtime");
        }

        if (type.Name != function)
        {
            errors.Add($"{function}: the handler's type is {type.Name}, not named for the function");
        }

        var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Where(m => m.Name == parts[2]).ToList();
        if (methods.Count != 1)
        {
            errors.Add($"{handler}: {methods.Count} public methods named {parts[2]}; the runtime needs exactly one");
            return errors;
        }

        // Compared by name: the assembly may live in another load context than the test's.
        var parameters = methods[0].GetParameters();
        if (parameters.Length != 1 || parameters[0].ParameterType.FullName != typeof(Stream).FullName)
        {
            errors.Add($"{handler} must take one Stream (no serializer is deployed)");
        }

        var returns = methods[0].ReturnType;
        if (returns.FullName != typeof(Stream).FullName && returns.FullName != typeof(Task<Stream>).FullName)
        {
            errors.Add($"{handler} must return Stream or Task<Stream>");
        }

        return errors;
    }
}
