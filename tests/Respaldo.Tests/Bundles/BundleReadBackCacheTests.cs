using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Bundles;

/// <summary>
/// Read-back of bundled records against moto, with a reader whose every request to the store passes through a
/// counting proxy (writers go to moto directly): a cached record costs no request, a bundle added to an hour after it
/// was listed is still found, overlapping bundles of two instances are both read, and concurrent cold reads of one
/// bundle download it once.
/// </summary>
public sealed class BundleReadBackCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An hour well in the past, so no record of the test lands in the hour a clock tick would change.</summary>
    private static DateTimeOffset Hour() => new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-1).AddHours(7).AddMinutes(5);

    [Fact]
    public async Task ARecordInACachedBundleIsAnsweredWithoutAnyRequestToTheStore()
    {
        await using var store = await Store.StartAsync();
        var files = await store.BackUpAsync(Hour(), 50);
        await using var reader = await store.ReaderAsync();
        var first = files.Keys.Order().First();
        Assert.Equal(files[first], await reader.Client.GetByteArrayAsync($"/records/{first}", Ct));

        var before = store.Proxy.Requests;
        foreach (var (id, bytes) in files)
        {
            Assert.Equal(bytes, await reader.Client.GetByteArrayAsync($"/records/{id}", Ct));
        }
        Assert.Equal(0, store.Proxy.Requests - before);
    }

    [Fact]
    public async Task ABundleUploadedIntoAnHourAfterItWasListedIsStillFound()
    {
        await using var store = await Store.StartAsync();
        var early = await store.BackUpAsync(Hour(), 20);
        await using var reader = await store.ReaderAsync();
        var one = early.Keys.First();
        Assert.Equal(early[one], await reader.Client.GetByteArrayAsync($"/records/{one}", Ct)); // lists the hour, caches its bundle

        var late = await store.BackUpAsync(Hour().AddMinutes(30), 20); // another instance, same hour, after the listing
        foreach (var (id, bytes) in late)
        {
            Assert.Equal(bytes, await reader.Client.GetByteArrayAsync($"/records/{id}", Ct));
        }
        var unknown = Guid.CreateVersion7(Hour().AddMinutes(10));
        Assert.Equal(HttpStatusCode.NotFound, (await reader.Client.GetAsync($"/records/{unknown}", Ct)).StatusCode);

        // Both bundles are cached now: every record of either is answered without asking the store.
        var before = store.Proxy.Requests;
        foreach (var (id, bytes) in early.Concat(late))
        {
            Assert.Equal(bytes, await reader.Client.GetByteArrayAsync($"/records/{id}", Ct));
        }
        Assert.Equal(0, store.Proxy.Requests - before);
    }

    [Fact]
    public async Task OverlappingBundlesOfTwoInstancesAreBothReadableEachDownloadedOnceAndTheHourListedOnce()
    {
        await using var store = await Store.StartAsync();
        // Interleaved receipt times: each instance's bundle spans the other's, so an id lies in both names' ranges.
        var a = await store.BackUpAsync(Hour(), 30, step: 2);
        var b = await store.BackUpAsync(Hour().AddMilliseconds(1), 30, step: 2);
        var keys = await AwsCli.ListKeysAsync(store.Moto, store.Bucket, ct: Ct);
        Assert.Equal(2, keys.Count);
        await using var reader = await store.ReaderAsync();

        foreach (var (id, bytes) in a.Zip(b).SelectMany(p => new[] { p.First, p.Second }))
        {
            Assert.Equal(bytes, await reader.Client.GetByteArrayAsync($"/records/{id}", Ct));
        }
        Assert.Equal((1, 2), (store.Lists, store.BundleGets));
    }

    [Fact]
    public async Task ConcurrentColdReadsOfOneBundleDownloadItOnce()
    {
        await using var store = await Store.StartAsync();
        var files = await store.BackUpAsync(Hour(), 200);
        await using var reader = await store.ReaderAsync();
        store.Proxy.Latency = TimeSpan.FromMilliseconds(150); // every reader is waiting while the first download is under way

        var ids = files.Keys.Take(16).ToList();
        var answers = await Task.WhenAll(ids.Select(id => reader.Client.GetByteArrayAsync($"/records/{id}", Ct)));

        Assert.All(ids.Zip(answers), p => Assert.Equal(files[p.First], p.Second));
        Assert.Equal(1, store.BundleGets);
        Assert.Equal(1, reader.Services.GetRequiredService<BundleReadBack>().Cache.LoadsStarted);
    }

    /// <summary>A moto bucket, writers that back up straight into it, and a counting proxy for the reader.</summary>
    private sealed class Store : IAsyncDisposable
    {
        private readonly List<TempFolder> _folders = [];
        private int _lists;
        private int _bundleGets;

        private Store(MotoServer moto, string bucket)
        {
            Moto = moto;
            Bucket = bucket;
            Proxy = new FaultProxy(moto.Endpoint);
            Proxy.Rule = request =>
            {
                if (request.Method == "GET" && request.PathAndQuery.Contains("list-type=2", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _lists);
                }
                else if (request.Method == "GET" && request.Path.EndsWith(Bundles.Extension, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _bundleGets);
                }
                return Fault.None;
            };
        }

        public MotoServer Moto { get; }
        public string Bucket { get; }
        public FaultProxy Proxy { get; }
        public int Lists => Volatile.Read(ref _lists);
        public int BundleGets => Volatile.Read(ref _bundleGets);

        public static async Task<Store> StartAsync()
        {
            var moto = await MotoServer.StartAsync(Ct);
            var bucket = S3Setup.NewBucket();
            await moto.CreateBucketAsync(bucket, Ct);
            return new Store(moto, bucket);
        }

        /// <summary>
        /// One more instance with its own spool backs up <paramref name="count"/> records received from
        /// <paramref name="start"/> on, <paramref name="step"/> ms apart (one bundle); returns their bytes by id.
        /// </summary>
        public async Task<Dictionary<Guid, byte[]>> BackUpAsync(DateTimeOffset start, int count, int step = 1)
        {
            var root = new TempFolder();
            _folders.Add(root);
            await using var writer = await new RespaldoApplication(S3Setup.Settings(Bucket, "records", "--Backup:Layout=Bundle"), S3Setup.Client(Moto), root)
                .StartAsync();
            var files = Spool(writer.SpoolDirectory, count, start, step);
            var summary = await writer.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
            Assert.Equal((count, 0, 1), (summary.Uploaded, summary.Failed, summary.Objects));
            return files;
        }

        /// <summary>A reader instance (its own empty spool) whose requests to the store go through the proxy.</summary>
        public async Task<RespaldoApplication> ReaderAsync()
        {
            var root = new TempFolder();
            _folders.Add(root);
            return await new RespaldoApplication(S3Setup.Settings(Bucket, "records", "--Backup:Layout=Bundle"), S3Setup.Client(Moto, Proxy.Endpoint), root)
                .StartAsync();
        }

        private static Dictionary<Guid, byte[]> Spool(string folder, int count, DateTimeOffset start, int step)
        {
            var files = new Dictionary<Guid, byte[]>();
            for (var i = 0; i < count; i++)
            {
                var at = start.AddMilliseconds(i * step);
                var id = Guid.CreateVersion7(at);
                var bytes = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"id\":\"{id:D}\",\"receivedAt\":\"{at:yyyy-MM-dd'T'HH:mm:ss.fff}+00:00\",\"nombre\":\"Ana {i}\",\"edad\":{i % 151},\"profesion\":\"Tornera\"}}"));
                File.WriteAllBytes(Path.Combine(folder, $"{id:D}.json"), bytes);
                files[id] = bytes;
            }
            return files;
        }

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Moto.DisposeAsync();
            foreach (var folder in _folders)
            {
                folder.Dispose();
            }
        }
    }
}
