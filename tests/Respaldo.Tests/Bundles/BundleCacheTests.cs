using System.Globalization;
using System.IO.Compression;
using System.Text;
using Respaldo.Backup;

namespace Respaldo.Tests.Bundles;

/// <summary>
/// The read-back cache's accounting and its limits, on bundles gzipped here with .NET's own GZipStream (independent
/// of Respaldo's writer): each entry counts its records and its index, the total never exceeds the bound, a bundle
/// larger than the bound is served but not kept, loads of one key run once and loads of many keys two at a time.
/// </summary>
public sealed class BundleCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachBundleCountsItsRecordsAndItsIndexAndTheTotalStaysWithinTheBound()
    {
        var cache = new BundleCache(maxBytes: 1 << 20);
        var sizes = new List<long>();
        var loaded = new List<CachedBundle>();
        for (var b = 0; b < 12; b++)
        {
            var (key, gzip, lines) = Bundle(b, records: 2_000);
            var bundle = CachedBundle.Decode(key, gzip);
            Assert.Equal(lines[5], await cache.FindAsync(key, IdOf(b * 10_000 + 5), () => Task.FromResult(bundle), Ct));
            loaded.Add(bundle);
            var ndjson = lines.Sum(l => l.Length + 1L);
            // Records and a 16-byte id plus an 8-byte position per record: 20,000 slices would be counted as nothing.
            Assert.True(bundle.Bytes >= ndjson + 2_000L * 24, $"{bundle.Bytes} counted for {ndjson} bytes of records");
            Assert.True(bundle.Bytes <= ndjson + 2_000L * 24 + 2 * Environment.SystemPageSize + 1024, $"{bundle.Bytes} counted for {ndjson} bytes of records");
            sizes.Add(bundle.Bytes);
            Assert.True(cache.Bytes <= cache.MaxBytes, $"{cache.Bytes} cached, bound {cache.MaxBytes}");
        }
        // The most recent bundles that fit stay, and the count is exactly what fits.
        var kept = 0;
        for (long total = 0; kept < sizes.Count && total + sizes[^(kept + 1)] <= cache.MaxBytes; kept++)
        {
            total += sizes[^(kept + 1)];
        }
        Assert.Equal(kept, cache.Count);
        Assert.Equal(sizes.TakeLast(kept).Sum(), cache.Bytes);
        Assert.InRange(kept, 2, 11);
        // What was dropped is freed at once, not left for a later collection; what is kept still answers.
        Assert.All(loaded.SkipLast(kept), b => Assert.True(b.IsDisposed, $"{b.Key} was evicted but still holds its memory"));
        Assert.All(loaded.TakeLast(kept), b => Assert.False(b.IsDisposed));
        Assert.Null(await cache.FindAsync(loaded[^1].Key, IdOf(99_999), () => throw new InvalidOperationException("cached: no load"), Ct));
    }

    [Fact]
    public async Task ABundleLargerThanTheBoundIsServedButNotKept()
    {
        var cache = new BundleCache(maxBytes: 64 << 10);
        var (key, gzip, lines) = Bundle(0, records: 2_000);
        Assert.Equal(lines[7], await cache.FindAsync(key, IdOf(7), () => Task.FromResult(CachedBundle.Decode(key, gzip)), Ct));
        Assert.Equal((0, 0L), (cache.Count, cache.Bytes));
    }

    [Fact]
    public async Task ReadsOfOneUncachedBundleShareOneLoadAndLoadsOfManyRunTwoAtATime()
    {
        var cache = new BundleCache(maxBytes: 64 << 20, maxLoads: 2);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var most = 0;
        var loads = 0;
        Func<Task<CachedBundle>> Load(int b) => async () =>
        {
            Interlocked.Increment(ref loads);
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await release.Task;
            Interlocked.Decrement(ref running);
            var (key, gzip, _) = Bundle(b, records: 10);
            return CachedBundle.Decode(key, gzip);
        };
        var sameKey = Enumerable.Range(0, 8).Select(i => cache.FindAsync(Bundle(0, 10).Key, IdOf(i), Load(0), Ct)).ToList();
        var others = Enumerable.Range(1, 5).Select(b => cache.FindAsync(Bundle(b, 10).Key, IdOf(b * 10_000), Load(b), Ct)).ToList();
        await Task.Delay(200, Ct); // let every load that may start, start
        Assert.Equal(2, Volatile.Read(ref running));
        release.SetResult();
        await Task.WhenAll(sameKey.Concat(others));

        Assert.Equal(6, loads); // one for the eight readers of bundle 0, one for each other bundle
        Assert.Equal(2, most);
        Assert.Equal(Bundle(0, 10).Lines.Take(8), sameKey.Select(t => t.Result));
        Assert.All(others, t => Assert.NotNull(t.Result));
        Assert.Equal(6, cache.Count);
    }

    [Fact]
    public void DecodingFindsEachRecordsExactBytesAndRejectsATruncatedBundle()
    {
        var (key, gzip, lines) = Bundle(3, records: 500);
        using var bundle = CachedBundle.Decode(key, gzip);
        Assert.Equal(500, bundle.Count);
        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(lines[i], bundle.Find(IdOf(3 * 10_000 + i)));
        }
        Assert.Null(bundle.Find(IdOf(3 * 10_000 + 500)));

        var error = Assert.Throws<BackupException>(() => CachedBundle.Decode(key, gzip[..(gzip.Length / 2)]));
        Assert.Equal(ErrorKind.Corrupt, error.Kind);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    private static readonly DateTimeOffset Start = new(2026, 11, 29, 5, 0, 0, TimeSpan.Zero);

    /// <summary>A deterministic UUIDv7 for record number <paramref name="n"/>, <paramref name="n"/> ms after the start.</summary>
    private static Guid IdOf(int n)
    {
        var ms = (Start.ToUnixTimeMilliseconds() + n).ToString("x12", CultureInfo.InvariantCulture);
        return Guid.Parse($"{ms[..8]}-{ms[8..]}-7000-8000-{n.ToString("x12", CultureInfo.InvariantCulture)}");
    }

    /// <summary>Bundle number <paramref name="b"/>: records b×10,000 onwards, one NDJSON line each, gzipped.</summary>
    private static (string Key, byte[] Gzip, List<byte[]> Lines) Bundle(int b, int records)
    {
        var lines = new List<byte[]>();
        for (var i = 0; i < records; i++)
        {
            var id = IdOf(b * 10_000 + i);
            lines.Add(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"id\":\"{id:D}\",\"receivedAt\":\"2026-11-29T05:00:00.000+00:00\",\"nombre\":\"Muñoz {i}\",\"edad\":{i % 151},\"profesion\":\"Alfarera\"}}")));
        }
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            foreach (var line in lines)
            {
                gzip.Write(line);
                gzip.WriteByte((byte)'\n');
            }
        }
        return ($"records/year=2026/month=11/day=29/hour=05/{IdOf(b * 10_000):D}_{IdOf(b * 10_000 + records - 1):D}.ndjson.gz", output.ToArray(), lines);
    }
}
