using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using ThreatResponse.Testing;

namespace ThreatResponse.Aws.Tests.Evidence;

/// <summary>
/// The collection script (evidence/collect-evidence.sh) runs here, on the test machine (Linux), exactly as Run Command
/// runs it on an instance: it collects, writes a manifest, packs, and uploads through a pre-signed PUT URL into moto's
/// S3. The stored object's hash is the one the script reports, and every file in it matches the manifest.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class CollectionScriptTests(MotoServerFixture moto) : MotoTest(moto)
{
    private const string Bucket = "threat-response-evidence";
    private const string Key = "evidence/123456789012/us-east-1/i-0a1b2c3d4e5f60718/finding-1/20261129T100000Z.tar.gz";

    /// <summary>
    /// The world-writable directory searched: one of the test's own, so a run does not hash everything the build left in
    /// /tmp (the script's default, "/tmp /var/tmp /dev/shm", is what the SSM document passes).
    /// </summary>
    private readonly string _writable = Directory.CreateTempSubdirectory("threat-response-writable-").FullName;

    public override Task DisposeAsync()
    {
        Directory.Delete(_writable, recursive: true);
        return base.DisposeAsync();
    }

    [Fact]
    public async Task Script_OnThisMachine_UploadsAnArchiveWhoseHashAndManifestVerify()
    {
        using var s3 = S3();
        await EvidenceScene.CreateBucketAsync(s3, Bucket);
        var url = await PresignAsync(s3);
        using var planted = new TempFile(_writable, "threat-response-dropped-payload", "#!/bin/sh\necho planted by the test\n");

        var (exit, stdout, stderr) = await EvidenceScene.RunScriptAsync(url, "104857600", "123456789012/us-east-1/i-0a1b2c3d4e5f60718/finding-1", _writable);

        Assert.True(exit == 0, $"exit {exit}: {stdout} {stderr}");
        var reported = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        using var stored = await s3.GetObjectAsync(Bucket, Key);
        using var body = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(body);
        Assert.Equal(reported["archive_sha256"], Convert.ToHexStringLower(SHA256.HashData(body.ToArray())));
        Assert.Equal(long.Parse(reported["archive_bytes"], System.Globalization.CultureInfo.InvariantCulture), body.Length);

        var files = Unpack(body.ToArray());
        var manifest = files["evidence/manifest.sha256"].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (Hash: l[..64], Path: l[66..])).ToList();
        Assert.Equal(files.Keys.Where(k => k != "evidence/manifest.sha256").Order(StringComparer.Ordinal), manifest.Select(m => m.Path).Order(StringComparer.Ordinal));
        Assert.All(manifest, m => Assert.Equal(m.Hash, Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.Latin1.GetBytes(files[m.Path])))));
        Assert.Equal(manifest.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), reported["files"]);

        // What an investigator needs first is there: processes with binaries' hashes, sockets, users, modules, mounts,
        // persistence, and the recently dropped file, hashed and kept.
        var processes = files["evidence/processes.tsv"];
        var self = Environment.ProcessPath!;
        Assert.Contains($"\t{Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(self)))}\t", processes, StringComparison.Ordinal);
        foreach (var expected in new[] { "evidence/connections.txt", "evidence/listening.txt", "evidence/who.txt", "evidence/files/proc/mounts", "evidence/collection.txt", "evidence/skipped.txt" })
        {
            Assert.True(files.ContainsKey(expected), $"{expected} is missing");
        }

        Assert.True(files.ContainsKey("evidence/files/proc/modules") || files["evidence/skipped.txt"].Contains("modules: /proc/modules not available", StringComparison.Ordinal), "modules neither kept nor said missing");
        Assert.Contains("label=123456789012/us-east-1/i-0a1b2c3d4e5f60718/finding-1", files["evidence/collection.txt"], StringComparison.Ordinal);
        Assert.Contains($"{planted.Sha256}\t", files["evidence/recent-world-writable.tsv"], StringComparison.Ordinal);
        Assert.Equal(planted.Content, files[$"evidence/files{planted.Path}"]);
    }

    [Fact]
    public async Task Script_ArchiveOverTheCap_CopiesDroppedListingsKept()
    {
        using var s3 = S3();
        await EvidenceScene.CreateBucketAsync(s3, Bucket);
        using var big = new TempFile(_writable, "threat-response-big", Convert.ToBase64String(RandomNumberGenerator.GetBytes(675_000))); // ~900 kB that gzip cannot shrink below ~680 kB

        // Small enough that copied contents must go, large enough for the listings.
        var (exit, stdout, stderr) = await EvidenceScene.RunScriptAsync(await PresignAsync(s3), "600000", "cap", _writable);

        Assert.True(exit == 0, $"exit {exit}: {stdout} {stderr}");
        using var stored = await s3.GetObjectAsync(Bucket, Key);
        using var body = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(body);
        Assert.True(body.Length <= 600_000);
        var files = Unpack(body.ToArray());
        Assert.DoesNotContain(files.Keys, k => k.StartsWith("evidence/files/", StringComparison.Ordinal));
        Assert.Contains(big.Path, files["evidence/dropped-copies.txt"], StringComparison.Ordinal);
        Assert.Contains("dropped", files["evidence/skipped.txt"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Script_UploadRefused_ExitsNonZeroAndSaysWhy()
    {
        using var s3 = S3();
        await EvidenceScene.CreateBucketAsync(s3, Bucket);
        var url = (await PresignAsync(s3)).Replace(Bucket, "no-such-bucket", StringComparison.Ordinal);

        var (exit, stdout, _) = await EvidenceScene.RunScriptAsync(url, "104857600", "refused", _writable);

        Assert.Equal(74, exit);
        Assert.StartsWith("error=upload failed", stdout, StringComparison.Ordinal);
    }

    private AmazonS3Client S3() => new(MotoServerFixture.Credentials, Moto.Configure(new AmazonS3Config { ForcePathStyle = true }));

    private static Task<string> PresignAsync(AmazonS3Client s3) => s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
    {
        BucketName = Bucket,
        Key = Key,
        Verb = HttpVerb.PUT,
        ContentType = "application/gzip",
        Expires = DateTime.UtcNow.AddMinutes(10),
        Protocol = Protocol.HTTP,
    });

    /// <summary>Every regular file of a .tar.gz by its path, its bytes as Latin-1 text (lossless).</summary>
    private static Dictionary<string, string> Unpack(byte[] archive)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        using var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                using var content = new MemoryStream();
                entry.DataStream?.CopyTo(content); // none for an empty file
                files[entry.Name.TrimStart('.', '/')] = System.Text.Encoding.Latin1.GetString(content.ToArray());
            }
        }

        return files;
    }

    /// <summary>A file planted in a world-writable directory for the collection to find.</summary>
    private sealed class TempFile : IDisposable
    {
        public TempFile(string directory, string prefix, string content)
        {
            Path = System.IO.Path.Combine(directory, $"{prefix}-{Guid.NewGuid():N}");
            Content = content;
            File.WriteAllText(Path, content);
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.Latin1.GetBytes(content)));
        }

        public string Path { get; }

        public string Content { get; }

        public string Sha256 { get; }

        public void Dispose() => File.Delete(Path);
    }
}
