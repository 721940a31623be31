using System.Text.Json;
using PutObjectRequest = Amazon.S3.Model.PutObjectRequest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Backup;

public sealed class RestoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Spools one record per day for <paramref name="days"/> days, backs them up, returns id → local bytes.</summary>
    private static async Task<Dictionary<string, byte[]>> BackedUpAsync(RespaldoApplication app, FakeTimeProvider time, int days)
    {
        var bytes = new Dictionary<string, byte[]>();
        for (var d = 0; d < days; d++)
        {
            var response = await app.PostRecordAsync(new { nombre = $"Día {d}", edad = d, profesion = "Archivera" });
            var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;
            bytes[id] = File.ReadAllBytes(Path.Combine(app.SpoolDirectory, id + ".json"));
            time.Advance(TimeSpan.FromDays(1));
        }
        var summary = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
        Assert.Equal(days, summary.Uploaded);
        return bytes;
    }

    private static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task RestoreBringsBackEveryRecordByteIdenticalFromTheDirectoryDestination()
    {
        var time = Clock();
        await using var app = await new RespaldoApplication([], s => s.AddSingleton<TimeProvider>(time)).StartAsync();
        var records = await BackedUpAsync(app, time, 3);
        var into = app.Root.Sub("restored");

        var summary = await app.Services.GetRequiredService<RestoreRunner>().RunAsync(new RestoreRequest(into), ct: Ct);

        Assert.Equal((3, 0, RunOutcome.Succeeded), (summary.Uploaded, summary.Failed, summary.Outcome));
        foreach (var (id, bytes) in records)
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(into, id + ".json")));
        }
    }

    [Fact]
    public async Task RestoreFiltersByReceiptDayAndById()
    {
        var time = Clock();
        await using var app = await new RespaldoApplication([], s => s.AddSingleton<TimeProvider>(time)).StartAsync();
        var ids = (await BackedUpAsync(app, time, 5)).Keys.Order().ToArray(); // Nov 1..5
        var restorer = app.Services.GetRequiredService<RestoreRunner>();

        var range = await restorer.RunAsync(new RestoreRequest(app.Root.Sub("range"), new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 3)), ct: Ct);
        var single = await restorer.RunAsync(new RestoreRequest(app.Root.Sub("single"), Id: Guid.Parse(ids[4])), ct: Ct);

        Assert.Equal(2, range.Uploaded);
        Assert.Equal([ids[1] + ".json", ids[2] + ".json"], Directory.GetFiles(app.Root.Sub("range")).Select(Path.GetFileName).Order());
        Assert.Equal(1, single.Uploaded);
        Assert.Equal([ids[4] + ".json"], Directory.GetFiles(app.Root.Sub("single")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task RestoreNeverOverwritesADifferentExistingFileAndSkipsAnIdenticalOne()
    {
        var time = Clock();
        await using var app = await new RespaldoApplication([], s => s.AddSingleton<TimeProvider>(time)).StartAsync();
        var records = await BackedUpAsync(app, time, 2);
        var into = app.Root.Sub("restored");
        var (changedId, identicalId) = (records.Keys.First(), records.Keys.Last());
        File.WriteAllText(Path.Combine(into, changedId + ".json"), "edited by hand");
        File.WriteAllBytes(Path.Combine(into, identicalId + ".json"), records[identicalId]);

        var summary = await app.Services.GetRequiredService<RestoreRunner>().RunAsync(new RestoreRequest(into), ct: Ct);

        Assert.Equal((0, 1, 1), (summary.Uploaded, summary.Failed, summary.Skipped));
        Assert.Equal(1, summary.ErrorsByKind["Conflict"]);
        Assert.Equal("edited by hand", File.ReadAllText(Path.Combine(into, changedId + ".json")));
    }

    [Fact]
    public async Task RestoreRefusesABackupCopyWhoseBytesNoLongerMatchTheirChecksum()
    {
        var time = Clock();
        await using var app = await new RespaldoApplication([], s => s.AddSingleton<TimeProvider>(time)).StartAsync();
        var records = await BackedUpAsync(app, time, 1);
        var stored = Directory.GetFiles(app.BackupDirectory, "*.json", SearchOption.AllDirectories).Single();
        File.WriteAllText(stored, File.ReadAllText(stored).Replace("Archivera", "Archivero"));
        var into = app.Root.Sub("restored");

        var summary = await app.Services.GetRequiredService<RestoreRunner>().RunAsync(new RestoreRequest(into), ct: Ct);
        var readBack = await app.Client.GetAsync($"/records/{records.Keys.Single()}", Ct);

        Assert.Equal((0, 1), (summary.Uploaded, summary.Failed));
        Assert.Equal(1, summary.ErrorsByKind["Verification"]);
        Assert.Empty(Directory.GetFiles(into));
        Assert.Equal(System.Net.HttpStatusCode.BadGateway, readBack.StatusCode);
    }

    /// <summary>
    /// An object overwritten by hand (aws s3 cp drops the sha256 metadata) passes the store's checks: read-back and
    /// restore --id served its bytes as the record, while a full restore refused them. Every path now checks the id.
    /// </summary>
    [Fact]
    public async Task AnObjectReplacedWithoutItsChecksumIsRefusedByReadBackAndByRestoreOfItsId()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var app = await S3Setup.StartAsync(moto, bucket);
        var posted = JsonDocument.Parse(await (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" })).Content.ReadAsStringAsync(Ct));
        var id = Guid.Parse(posted.RootElement.GetProperty("id").GetString()!);
        await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
        var key = (await AwsCli.ListKeysAsync(moto, bucket, ct: Ct)).Single();
        using var s3 = moto.CreateClient();
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "{\"tampered\":true}" }, Ct);
        var into = app.Root.Sub("restored");

        var readBack = await app.Client.GetAsync($"/records/{id}", Ct);
        var summary = await app.Services.GetRequiredService<RestoreRunner>().RunAsync(new RestoreRequest(into, Id: id), ct: Ct);

        Assert.Equal(System.Net.HttpStatusCode.BadGateway, readBack.StatusCode);
        Assert.DoesNotContain("tampered", await readBack.Content.ReadAsStringAsync(Ct));
        Assert.Equal((0, 1), (summary.Uploaded, summary.Failed));
        Assert.Equal(1, summary.ErrorsByKind["Corrupt"]);
        Assert.Empty(Directory.GetFiles(into));
    }

    [Fact]
    public async Task RestoreFromS3VerifiesTheStoredChecksumAndTheRestoreVerbExitsOneOnAMismatch()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var app = await S3Setup.StartAsync(moto, bucket);
        var posted = JsonDocument.Parse(await (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" })).Content.ReadAsStringAsync(Ct));
        var id = posted.RootElement.GetProperty("id").GetString()!;
        var original = File.ReadAllBytes(Path.Combine(app.SpoolDirectory, id + ".json"));
        await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
        var env = new Dictionary<string, string> { ["AWS_ENDPOINT_URL_S3"] = moto.Endpoint.ToString(), ["AWS_ACCESS_KEY_ID"] = "test", ["AWS_SECRET_ACCESS_KEY"] = "test" };
        string[] restore = ["restore", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination=s3://{bucket}/records"];

        var good = await RespaldoCli.RunAsync(app.Root.Path, [.. restore, "--into", app.Root.Sub("good")], env);
        // Replace the object with other bytes but keep the original checksum metadata, as silent corruption would.
        var key = (await AwsCli.ListKeysAsync(moto, bucket, ct: Ct)).Single();
        using var s3 = moto.CreateClient();
        var head = await s3.GetObjectMetadataAsync(bucket, key, Ct);
        var tampered = new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "{\"id\":\"" + id + "\",\"nombre\":\"X\"}" };
        tampered.Metadata["sha256"] = head.Metadata["sha256"];
        await s3.PutObjectAsync(tampered, Ct);
        var bad = await RespaldoCli.RunAsync(app.Root.Path, [.. restore, "--into", app.Root.Sub("bad")], env);

        Assert.True(good.ExitCode == 0, good.StdOut + good.StdErr);
        Assert.Equal(original, File.ReadAllBytes(Path.Combine(app.Root.Sub("good"), id + ".json")));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("Verification", bad.StdOut);
        Assert.Empty(Directory.GetFiles(app.Root.Sub("bad")));
    }
}
