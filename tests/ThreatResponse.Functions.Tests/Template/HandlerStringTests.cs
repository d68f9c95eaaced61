using System.Reflection;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>Every deployed handler string resolves, on the built assembly, to what the dotnet10 runtime can call.</summary>
public sealed class HandlerStringTests
{
    [Fact]
    public async Task TranslatedTemplate_Functions_AreTheContractedFivePlusTerminationCleanupOnDotnet10()
    {
        var functions = await SamTemplate.ResourcesAsync("AWS::Lambda::Function");

        // The five of PRODUCT.md's contract, the cleanup of terminated instances' ACL entries, the
        // "Isolate + revoke" custom action, deployed only with EnableRevokeSessions, and the "Collect evidence"
        // custom action.
        Assert.Equal(
            ["CollectEvidenceAction", "GuardDutyResponder", "InstanceTerminatedResponder", "IsolateAndRevokeSessionsAction", "IsolateInstanceAction", "ReleaseInstanceAction", "SnapshotInstanceAction", "StopInstanceAction"],
            functions.Keys.Order(StringComparer.Ordinal));
        Assert.All(functions.Values, f => Assert.Equal("dotnet10", f["Properties"]!["Runtime"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TranslatedTemplate_EveryHandler_IsAPublicStreamMethodOfAConstructibleType()
    {
        foreach (var (name, function) in await SamTemplate.ResourcesAsync("AWS::Lambda::Function"))
        {
            var handler = function["Properties"]!["Handler"]!.GetValue<string>();
            Assert.Empty(HandlerContract.Violations(name, handler, Assembly.Load));
        }
    }
}
