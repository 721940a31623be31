using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// s3rver, a real S3-compatible server that answers 200 to the SDK's default aws-chunked uploads and stores the chunk
/// framing as the object. Respaldo must notice before deleting anything; <c>Backup:PayloadMode=Plain</c> makes it work.
/// </summary>
public sealed class ChunkedPayloadServerTests
{
    private const int Records = 20;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChunkedUploadsThatS3rverStoresWithTheirFramingAreCaughtBeforeAnyDeleteAndPlainModeFixesThem()
    {
        FaultSeed.Create(out var seed);
        await using var s3rver = await S3rverServer.StartAsync(Ct);
        await using var s = await S3Scenario.StartAsync(s3rver, Records, "--Backup:MaxAttempts=2");

        var chunked = await s.RunAsync();

        Assert.True((chunked.Uploaded, chunked.Failed, chunked.Outcome) == (0, Records, RunOutcome.Failed), chunked.ToText());
        Assert.Equal(Records, chunked.ErrorsByKind.GetValueOrDefault("Verification"));
        Assert.Contains(chunked.FirstErrors, e => e.Contains("is not the MD5"));
        Assert.Equal(Records, s.SpooledFiles().Length);
        var stored = ObjectFiles(s3rver, s.Bucket);
        Assert.Equal(Records, stored.Count);
        Assert.All(stored.Values, body => Assert.Contains("chunk-signature", Encoding.Latin1.GetString(body)));
        // The fault is the server's: each object it stored with the chunk framing as its body.
        var framed = stored.Values.Count(body => Encoding.Latin1.GetString(body).Contains("chunk-signature"));
        await s.CheckAsync("after chunked uploads to s3rver", settled: false);

        // The documented compatibility setting, on the same spool: plain bodies with precomputed checksums.
        var root = s.App.Root;
        await s.App.StopAsync();
        await using var plain = await new RespaldoApplication(
            S3Setup.Settings(s.Bucket, "records", "--Backup:PayloadMode=Plain"), S3Setup.Client(s3rver), root).StartAsync();
        var fixedRun = await plain.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        Assert.True((fixedRun.Uploaded, fixedRun.Failed) == (Records, 0), fixedRun.ToText());
        Assert.Empty(s.SpooledFiles());
        foreach (var id in s.Ledger.Ids)
        {
            Assert.Equal(s.Ledger.ExpectedBytes(id), ObjectFiles(s3rver, s.Bucket).Single(o => o.Key.EndsWith($"{id}.json")).Value);
        }
        var check = await s.CheckAsync("after plain uploads to s3rver", settled: true);
        FaultFigures.Report("S3rverChunkedThenPlain", seed, framed, check, $"{chunked.ToText()} Then: {fixedRun.ToText()}");
    }

    [Fact]
    public async Task PlainModeBacksUpToS3rverAndEveryRecordReadsAndRestoresBackIdentically()
    {
        FaultSeed.Create(out var seed);
        await using var s3rver = await S3rverServer.StartAsync(Ct);
        await using var s = await S3Scenario.StartAsync(s3rver, Records, "--Backup:PayloadMode=Plain");

        var summary = await s.RunAsync();

        Assert.True((summary.Uploaded, summary.Failed, summary.Outcome) == (Records, 0, RunOutcome.Succeeded), summary.ToText());
        Assert.Empty(s.SpooledFiles());
        var check = await s.CheckAsync("after a plain backup to s3rver", settled: true);
        Assert.Equal(Records, check.InDestination);
        foreach (var id in s.Ledger.Ids)
        {
            Assert.Equal(s.Ledger.ExpectedBytes(id), await s.App.Client.GetByteArrayAsync($"/records/{id}", Ct));
        }

        var into = s.App.Root.Sub("restored");
        var restore = await s.App.Services.GetRequiredService<RestoreRunner>().RunAsync(new RestoreRequest(into), ct: Ct);

        Assert.True((restore.Uploaded, restore.Failed) == (Records, 0), restore.ToText());
        foreach (var id in s.Ledger.Ids)
        {
            Assert.Equal(s.Ledger.ExpectedBytes(id), File.ReadAllBytes(Path.Combine(into, $"{id}.json")));
        }
        FaultFigures.Report("S3rverPlainRoundTrip", seed, 0, check, $"{summary.ToText()} Restore: {restore.ToText()}");
    }

    /// <summary>The objects as s3rver keeps them on disk (<c>bucket/key._S3rver_object</c>), read without any S3 client.</summary>
    private static Dictionary<string, byte[]> ObjectFiles(S3rverServer server, string bucket)
    {
        var folder = Path.Combine(server.DataDirectory, bucket);
        return Directory.GetFiles(folder, "*._S3rver_object", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f)[..^"._S3rver_object".Length], File.ReadAllBytes);
    }
}
