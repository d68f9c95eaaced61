using System.Reflection;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>Every deployed handler string resolves, on the built assembly, to what the dotnet10 runtime can call.</summary>
public sealed class HandlerStringTests
{
    [Fact]
    public async Task TranslatedTemplate_Functions_AreTheContractedFiveOnDotnet10()
    {
        var functions = await SamTemplate.ResourcesAsync("AWS::Lambda::Function");

        Assert.Equal(
            ["GuardDutyResponder", "IsolateInstanceAction", "ReleaseInstanceAction", "SnapshotInstanceAction", "StopInstanceAction"],
            functions.Keys.Order(StringComparer.Ordinal));
        Assert.All(functions.Values, f => Assert.Equal("dotnet10", f["Properties"]!["Runtime"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TranslatedTemplate_EveryHandler_IsAPublicStreamMethodOfAConstructibleType()
    {
        foreach (var (name, function) in await SamTemplate.ResourcesAsync("AWS::Lambda::Function"))
        {
            var handler = function["Properties"]!["Handler"]!.GetValue<string>();
            var parts = handler.Split("::");
            Assert.True(parts.Length == 3, $"{name}: '{handler}' is not Assembly::Type::Method");

            var assembly = Assembly.Load(parts[0]);
            var type = assembly.GetType(parts[1]);
            Assert.True(type is { IsPublic: true, IsAbstract: false }, $"{name}: {parts[1]} is not a public concrete type in {parts[0]}");
            Assert.NotNull(type.GetConstructor(Type.EmptyTypes));
            Assert.Equal(name, type.Name);

            var method = Assert.Single(type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static), m => m.Name == parts[2]);
            var parameters = method.GetParameters();
            Assert.True(parameters.Length == 1 && parameters[0].ParameterType == typeof(Stream), $"{handler} must take one Stream (no serializer is deployed)");
            Assert.True(method.ReturnType == typeof(Stream) || method.ReturnType == typeof(Task<Stream>), $"{handler} must return Stream or Task<Stream>");
        }
    }
}
