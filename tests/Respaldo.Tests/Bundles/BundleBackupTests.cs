using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Bundles;

/// <summary>
/// Bundle backups of tens of thousands of records to moto, to s3rver and to a directory: every record exactly once,
/// byte-identical, in its hour partition (checked from what the AWS CLI downloads), and the archive read by DuckDB.
/// </summary>
public sealed class BundleBackupTests
{
    private const int Records = 30_000;
    private const int Hours = 3;
    private const int MaxRecords = 4_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABundleBackupToMotoHoldsEveryRecordOnceByteIdenticalAndDuckDbReadsIt()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        await BackUpToS3AndCheckAsync(moto);
    }

    [Fact]
    public async Task ABundleBackupToS3rverHoldsEveryRecordOnceByteIdenticalAndDuckDbReadsIt()
    {
        await using var s3rver = await S3rverServer.StartAsync(Ct);
        await BackUpToS3AndCheckAsync(s3rver, "--Backup:PayloadMode=Plain");
    }

    [Fact]
    public async Task ABundleBackupToADirectoryHoldsEveryRecordOnceAndDuckDbReadsItInPlace()
    {
        await using var app = await new RespaldoApplication("--Backup:Layout=Bundle", $"--Backup:BundleMaxRecords={MaxRecords}").StartAsync();
        var files = Bundles.Spool(app.SpoolDirectory, Records, Hours, Start());

        var summary = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        AssertSummary(summary);
        AssertEveryRecordOnce(files, Directory.GetFiles(app.BackupDirectory, "*" + Bundles.Extension, SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(app.BackupDirectory, f).Replace('\\', '/'), File.ReadAllBytes), prefix: "");
        await AssertDuckDbAsync(app.BackupDirectory, files);
    }

    [Fact]
    public async Task ABundleLargerThanOnePartGoesUpAsAMultipartUploadAndHoldsEveryRecordByteIdentical()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var app = await S3Setup.StartAsync(moto, bucket, null, "--Backup:Layout=Bundle", $"--Backup:MultipartPartBytes={5 << 20}");
        // Random text does not compress much: 9,000 records of about 1.1 KB make a gzip bundle of more than one 5 MiB part.
        var files = new Dictionary<Guid, byte[]>();
        var start = Start().AddMinutes(10); // well inside one hour: one bundle
        for (var i = 0; i < 9_000; i++)
        {
            var id = Guid.CreateVersion7(start.AddMilliseconds(i));
            var noise = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(750));
            var bytes = System.Text.Encoding.UTF8.GetBytes($"{{\"id\":\"{id:D}\",\"receivedAt\":\"{start.AddMilliseconds(i):yyyy-MM-dd'T'HH:mm:ss.fff}+00:00\",\"nombre\":\"{noise}\",\"edad\":{i % 151},\"profesion\":\"P\"}}");
            File.WriteAllBytes(Path.Combine(app.SpoolDirectory, $"{id:D}.json"), bytes);
            files[id] = bytes;
        }

        var summary = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        Assert.Equal((9_000, 0), (summary.Uploaded, summary.Failed));
        var key = Assert.Single(await AwsCli.ListKeysAsync(moto, bucket, ct: Ct));
        Assert.True(summary.ObjectBytes > 5 << 20, $"the bundle is {summary.ObjectBytes} bytes, one part");
        var head = await AwsCli.HeadObjectAsync(moto, bucket, key, Ct);
        Assert.EndsWith("-2\"", head.GetProperty("ETag").GetString()); // a multipart object's ETag counts its parts
        var lines = Bundles.Lines(await AwsCli.GetObjectBytesAsync(moto, bucket, key, Ct));
        Assert.Equal(files.Keys.Order(), lines.Select(Bundles.IdOf));
        Assert.All(lines, line => Assert.Equal(files[Bundles.IdOf(line)], line));
        Assert.Empty(Directory.GetFiles(app.SpoolDirectory, "*.json"));
    }

    private static async Task BackUpToS3AndCheckAsync(IS3Server server, params string[] settings)
    {
        var bucket = S3Setup.NewBucket();
        await server.CreateBucketAsync(bucket, Ct);
        await using var app = await S3Setup.StartAsync(server, bucket, null,
            ["--Backup:Layout=Bundle", $"--Backup:BundleMaxRecords={MaxRecords}", .. settings]);
        var files = Bundles.Spool(app.SpoolDirectory, Records, Hours, Start());

        var summary = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        AssertSummary(summary);
        var objects = await AwsCli.DownloadBucketAsync(server, bucket, Ct);
        AssertEveryRecordOnce(files, objects, prefix: "records/");
        using var downloaded = new TempFolder();
        Bundles.WriteTo(objects, downloaded.Path);
        await AssertDuckDbAsync(downloaded.Path, files);
    }

    private static void AssertSummary(RunSummary summary)
    {
        Assert.Equal((Records, 0, RunOutcome.Succeeded, "Bundle"), (summary.Uploaded, summary.Failed, summary.Outcome, summary.Layout));
        // Each hour holds 10,000 records: three bundles of at most 4,000 each.
        Assert.Equal(Hours * 3, summary.Objects);
    }

    private static void AssertEveryRecordOnce(Dictionary<Guid, byte[]> files, IReadOnlyDictionary<string, byte[]> objects, string prefix)
    {
        var seen = new HashSet<Guid>();
        Assert.Equal(Hours * 3, objects.Count);
        foreach (var (key, gzip) in objects)
        {
            var lines = Bundles.Lines(gzip);
            Assert.InRange(lines.Count, 1, MaxRecords);
            var ids = lines.Select(Bundles.IdOf).ToList();
            Assert.Equal($"{prefix}{Bundles.Partition(ids[0])}{ids[0]:D}_{ids[^1]:D}{Bundles.Extension}", key);
            for (var i = 0; i < lines.Count; i++)
            {
                Assert.True(seen.Add(ids[i]), $"{ids[i]} is in more than one bundle");
                Assert.StartsWith(prefix + Bundles.Partition(ids[i]), key);
                Assert.Equal(files[ids[i]], lines[i]);
            }
        }
        Assert.Equal(files.Keys.Order(), seen.Order());
    }

    private static async Task AssertDuckDbAsync(string folder, Dictionary<Guid, byte[]> files)
    {
        var rows = await Bundles.DuckDbAsync(
            $"SELECT count(*) AS n, avg(edad) AS average, count(DISTINCT hour) AS hours, list(CAST(id AS VARCHAR) ORDER BY id) AS ids " +
            $"FROM read_json('{folder}/**/*.ndjson.gz', hive_partitioning = true)", Ct);
        var row = rows[0];
        Assert.Equal(Records.ToString(), row.GetProperty("n").ToString().Trim('"'));
        var expectedAverage = files.Values.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("edad").GetInt32()).Average();
        Assert.Equal(expectedAverage, row.GetProperty("average").GetDouble(), 6);
        Assert.Equal(Hours.ToString(), row.GetProperty("hours").ToString().Trim('"'));
        Assert.Equal(files.Keys.Select(id => id.ToString("D")).Order(StringComparer.Ordinal),
            row.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
    }

    private static DateTimeOffset Start()
    {
        var now = DateTimeOffset.UtcNow.AddHours(-Hours - 1);
        return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
    }
}
