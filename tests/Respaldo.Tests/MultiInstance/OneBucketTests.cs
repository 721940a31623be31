using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Respaldo.Spool;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.MultiInstance;

/// <summary>
/// Three instances behind a (notional) load balancer, each with its own spool, all backing up into one bucket on one
/// S3 server: no record is lost, duplicated or confused with another, and any instance serves any backed-up record.
/// </summary>
public sealed class OneBucketTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThreeInstancesBackingUpIntoOneBucketStoreEveryAcknowledgedRecordExactlyOnceByteForByte()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var fleet = await Fleet.StartAsync(moto, bucket, 3);

        var before = await fleet.PostRoundRobinAsync(0, 300, Ct);
        for (var i = 0; i < fleet.Count; i++)
        {
            // Each instance holds exactly the records it acknowledged, each file exactly as acknowledged.
            Assert.Equal(before.Where(r => r.Instance == i).Select(r => r.Id).ToHashSet(), fleet.Spooled(i));
            Assert.All(before.Where(r => r.Instance == i), r =>
                Assert.Equal(r.Bytes, File.ReadAllBytes(Path.Combine(fleet[i].SpoolDirectory, RecordId.FileName(r.Id)))));
        }
        // All three back up at once while the load balancer keeps sending records.
        var during = fleet.PostRoundRobinAsync(300, 30, Ct);
        var firstRuns = await fleet.BackUpAllAtOnceAsync(Ct);
        var acknowledged = before.Concat(await during).ToList();
        var lastRuns = await fleet.BackUpAllAtOnceAsync(Ct);

        Assert.Equal(330, acknowledged.Select(r => r.Id).Distinct().Count());
        Assert.All(firstRuns.Concat(lastRuns), run => Assert.Equal((0, 0), (run.Failed, run.Skipped)));
        Assert.All(firstRuns, run => Assert.InRange(run.Uploaded, 100, 110));
        Assert.Equal(330, firstRuns.Concat(lastRuns).Sum(run => run.Uploaded)); // no record uploaded twice
        Assert.All(Enumerable.Range(0, fleet.Count), i => Assert.Empty(fleet.Spooled(i)));
        var keys = await AwsCli.ListKeysAsync(moto, bucket, ct: Ct);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(acknowledged.Select(r => r.Key).Order(), keys.Order());
        var objects = await AwsCli.DownloadBucketAsync(moto, bucket, Ct);
        Assert.All(acknowledged, r => Assert.Equal(r.Bytes, objects[r.Key]));
    }

    [Fact]
    public async Task AnyInstanceServesAnyRecordOnceItIsBackedUpAndBeforeThatOnlyTheInstanceThatTookIt()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var fleet = await Fleet.StartAsync(moto, bucket, 3);
        var records = await fleet.PostRoundRobinAsync(0, 30, Ct);

        foreach (var record in records)
        {
            var other = fleet[(record.Instance + 1) % fleet.Count];
            Assert.Equal(record.Bytes, await fleet[record.Instance].Client.GetByteArrayAsync($"/records/{record.Id}", Ct));
            Assert.Equal(HttpStatusCode.NotFound, (await other.Client.GetAsync($"/records/{record.Id}", Ct)).StatusCode);
        }
        await fleet.BackUpAllAtOnceAsync(Ct);

        foreach (var record in records)
        {
            foreach (var instance in fleet.Instances)
            {
                Assert.Equal(record.Bytes, await instance.Client.GetByteArrayAsync($"/records/{record.Id}", Ct));
            }
        }
    }

    [Fact]
    public async Task OneInstancesBackupTouchesNeitherTheFilesNorTheStatusOfTheOthers()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var fleet = await Fleet.StartAsync(moto, bucket, 3);
        var records = await fleet.PostRoundRobinAsync(0, 60, Ct);
        var filesBefore = Enumerable.Range(1, 2).ToDictionary(i => i, SpoolContents);

        var run = await fleet.BackUpAsync(0, Ct);

        Assert.Equal((20, 20, 0), (run.Files, run.Uploaded, run.Failed));
        Assert.Equal(records.Where(r => r.Instance == 0).Select(r => r.Key).Order(), (await AwsCli.ListKeysAsync(moto, bucket, ct: Ct)).Order());
        Assert.Empty(fleet.Spooled(0));
        foreach (var i in new[] { 1, 2 })
        {
            Assert.Equal(filesBefore[i], SpoolContents(i));
            var status = await fleet[i].Client.GetFromJsonAsync<JsonElement>("/status", Ct);
            Assert.Equal(20, status.GetProperty("pending").GetProperty("files").GetInt32());
            Assert.Equal(JsonValueKind.Null, status.GetProperty("lastRun").ValueKind);
        }
        var own = await fleet[0].Client.GetFromJsonAsync<JsonElement>("/status", Ct);
        Assert.Equal(0, own.GetProperty("pending").GetProperty("files").GetInt32());
        Assert.Equal(20, own.GetProperty("lastRun").GetProperty("uploaded").GetInt32());

        string SpoolContents(int i) => string.Join('\n', Directory.GetFiles(fleet[i].SpoolDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).Order()
            .Select(f => f + " " + Convert.ToHexString(File.ReadAllBytes(f))));
    }
}
