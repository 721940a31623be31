using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Bundles;

/// <summary>
/// A bucket that switched from the Record layout to Bundle: every record reads back and restores byte-identical,
/// whichever layout holds it; a bundled record is found from its hour partition, and its bundle is cached.
/// </summary>
public sealed class BundleReadBackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RecordsReadBackAndRestoreByteIdenticalFromADestinationHoldingBothLayouts()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var proxy = new FaultProxy(moto.Endpoint);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        using var root = new TempFolder();
        var original = new Dictionary<Guid, byte[]>();
        foreach (var layout in new[] { "Record", "Bundle" })
        {
            await using var app = await new RespaldoApplication(S3Setup.Settings(bucket, "records", $"--Backup:Layout={layout}"),
                S3Setup.Client(moto, proxy.Endpoint), root).StartAsync();
            for (var i = 0; i < 4; i++)
            {
                var id = Guid.Parse(Path.GetFileNameWithoutExtension((await app.PostRecordAsync(new { nombre = $"{layout} {i} Ñandú", edad = 20 + i, profesion = "Tejedora" }))
                    .Headers.Location!.OriginalString));
                original[id] = File.ReadAllBytes(Path.Combine(app.SpoolDirectory, $"{id:D}.json"));
            }
            Assert.Equal(4, (await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct)).Uploaded);
        }
        var keys = await AwsCli.ListKeysAsync(moto, bucket, ct: Ct);
        Assert.Equal(4, keys.Count(k => k.EndsWith(".json", StringComparison.Ordinal)));
        Assert.Single(keys, k => k.EndsWith(Bundles.Extension, StringComparison.Ordinal));

        await using (var reader = await new RespaldoApplication(S3Setup.Settings(bucket, "records", "--Backup:Layout=Bundle"),
            S3Setup.Client(moto, proxy.Endpoint), root).StartAsync())
        {
            var gets = 0;
            proxy.Rule = request =>
            {
                if (request.Method == "GET" && request.Path.EndsWith(Bundles.Extension, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref gets);
                }
                return Fault.None;
            };
            foreach (var (id, bytes) in original)
            {
                Assert.Equal(bytes, await reader.Client.GetByteArrayAsync($"/records/{id}", Ct));
            }
            Assert.Equal(1, gets); // four bundled records, one download: the rest came from the cache

            var restorer = reader.Services.GetRequiredService<RestoreRunner>();
            using var all = new TempFolder();
            var summary = await restorer.RunAsync(new RestoreRequest(all.Path), ct: Ct);
            Assert.Equal((8, 0, 5), (summary.Uploaded, summary.Failed, summary.Objects));
            Assert.Equal(original.Keys.Select(id => $"{id:D}.json").Order(), Directory.GetFiles(all.Path).Select(Path.GetFileName).Order());
            Assert.All(original, r => Assert.Equal(r.Value, File.ReadAllBytes(Path.Combine(all.Path, $"{r.Key:D}.json"))));

            var bundled = original.Keys.Order().Last();
            using var one = new TempFolder();
            Assert.Equal(1, (await restorer.RunAsync(new RestoreRequest(one.Path, Id: bundled), ct: Ct)).Uploaded);
            Assert.Equal([$"{bundled:D}.json"], Directory.GetFiles(one.Path).Select(Path.GetFileName));

            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            using var range = new TempFolder();
            var dated = await restorer.RunAsync(new RestoreRequest(range.Path, today.AddDays(-1), today.AddDays(1)), ct: Ct);
            Assert.Equal((8, 0), (dated.Uploaded, dated.Failed));
            using var none = new TempFolder();
            Assert.Equal(0, (await restorer.RunAsync(new RestoreRequest(none.Path, today.AddDays(-9), today.AddDays(-8)), ct: Ct)).Files);
        }
    }
}
