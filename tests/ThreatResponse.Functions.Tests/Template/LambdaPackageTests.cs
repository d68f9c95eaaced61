using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Runtime.InteropServices;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;
using Xunit.Abstractions;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// The functions packaged as <c>sam build</c> packages them (Amazon.Lambda.Tools' <c>dotnet lambda package</c> runs
/// <c>dotnet publish -c Release -f net10.0 -r linux-arm64 --self-contained false
/// /p:GenerateRuntimeConfigurationFiles=true</c>): every handler of the translated template resolves against the
/// published assembly, and the zip stays inside Lambda's limits (50 MB zipped for a direct upload, 250 MB unzipped).
/// </summary>
[Trait(TestCategory.Name, TestCategory.Packaging)]
public sealed class LambdaPackageTests(ITestOutputHelper output)
{
    private const long MaxZippedBytes = 50L * 1024 * 1024;
    private const long MaxUnzippedBytes = 250L * 1024 * 1024;

    [Fact]
    public async Task Publish_LinuxArm64Release_EveryHandlerResolvesAndTheZipFitsLambda()
    {
        var work = Directory.CreateTempSubdirectory("threat-response-package-");
        try
        {
            var publish = Path.Combine(work.FullName, "publish");
            await PublishAsync(publish, Path.Combine(work.FullName, "artifacts"));

            var unzipped = new DirectoryInfo(publish).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            var zip = Path.Combine(work.FullName, "functions.zip");
            ZipFile.CreateFromDirectory(publish, zip, CompressionLevel.Optimal, includeBaseDirectory: false);
            var zipped = new FileInfo(zip).Length;
            output.WriteLine($"linux-arm64 Release package: {zipped:N0} bytes zipped, {unzipped:N0} bytes unzipped");
            Assert.InRange(zipped, 1, MaxZippedBytes);
            Assert.InRange(unzipped, 1, MaxUnzippedBytes);

            // Metadata only: the ReadyToRun arm64 image cannot be loaded for execution on this machine, and need not be.
            var assemblies = Directory.GetFiles(publish, "*.dll").Concat(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"));
            using var context = new MetadataLoadContext(new PathAssemblyResolver(assemblies));
            var functions = await SamTemplate.ResourcesAsync("AWS::Lambda::Function");
            Assert.NotEmpty(functions);
            foreach (var (name, function) in functions)
            {
                var handler = function["Properties"]!["Handler"]!.GetValue<string>();
                Assert.Empty(HandlerContract.Violations(name, handler, assembly => context.LoadFromAssemblyPath(Path.Combine(publish, assembly + ".dll"))));
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task PublishAsync(string outputDirectory, string artifacts)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "publish", Path.Combine(RepositoryRoot.Path, "src", "ThreatResponse.Functions", "ThreatResponse.Functions.csproj"),
                "--configuration", "Release", "--framework", "net10.0", "--runtime", "linux-arm64", "--self-contained", "false",
                "/p:GenerateRuntimeConfigurationFiles=true", "--output", outputDirectory, "--nologo",
                // Its own bin and obj: other test assemblies build Release outputs of the same projects at the same time.
                "--artifacts-path", artifacts,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"dotnet publish exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }
}
