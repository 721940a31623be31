using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Faults;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Bundles;

/// <summary>Three instances, each with its own spool, bundling into one bucket at the same time while taking records.</summary>
public sealed class BundleFleetTests
{
    private const int Instances = 3;
    private const int RecordsEach = 240;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThreeInstancesBundlingIntoOneBucketAtOnceNeverCollideAndStoreEveryRecordOnce()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        var ledger = new Ledger();
        var apps = new List<RespaldoApplication>();
        try
        {
            for (var i = 0; i < Instances; i++)
            {
                apps.Add(await S3Setup.StartAsync(moto, bucket, null, "--Backup:Layout=Bundle", "--Backup:BundleMaxRecords=25"));
            }
            var objects = 0;
            // Every instance takes records and runs backups at once, so bundles of the same hour land side by side.
            await Task.WhenAll(apps.Select(async (app, n) =>
            {
                var runner = app.Services.GetRequiredService<BackupRunner>();
                for (var batch = 0; batch < 4; batch++)
                {
                    for (var i = 0; i < RecordsEach / 4; i++)
                    {
                        Assert.NotNull(await ledger.PostAsync(app.Client, n * 10_000 + batch * 100 + i, Ct));
                    }
                    var summary = await runner.RunAsync("test", ct: Ct);
                    Assert.Equal(0, summary.Failed);
                    Interlocked.Add(ref objects, summary.Objects);
                }
            }));

            var stored = await DestinationContents.FromS3Async(moto, bucket, Ct);
            Assert.Equal(objects, stored.Count); // no instance ever overwrote another's bundle
            using var empty = new TempFolder();
            var check = ledger.Check(empty.Path, Bundles.Expand(stored));
            check.AssertHolds("after three instances bundled at once");
            Assert.Equal(Instances * RecordsEach, check.InDestination);
            Assert.All(apps, app => Assert.Empty(Directory.GetFiles(app.SpoolDirectory, "*.json")));
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync();
            }
        }
    }
}
