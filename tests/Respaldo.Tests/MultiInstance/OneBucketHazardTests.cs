using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Respaldo.Backup;
using Respaldo.Spool;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.MultiInstance;

/// <summary>
/// What else could go wrong with several instances on one bucket: clocks that agree to the millisecond or disagree
/// by days, a restore on another machine during uploads, two instances pointed at one spool by mistake, and a
/// client's retry that the load balancer sends to another instance.
/// </summary>
public sealed class OneBucketHazardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InstancesWhoseClocksAgreeToTheMillisecondStillGiveEveryRecordItsOwnIdAndKey()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        var instant = new DateTimeOffset(2026, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);
        await using var fleet = await Fleet.StartAsync(moto, bucket, 3, _ => s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(instant)));

        var records = await fleet.PostRoundRobinAsync(0, 150, Ct);
        var runs = await fleet.BackUpAllAtOnceAsync(Ct);

        Assert.All(records, r => Assert.Equal(instant, RecordId.Timestamp(r.Id)));
        Assert.Equal(150, records.Select(r => r.Id).Distinct().Count());
        Assert.Equal(150, runs.Sum(run => run.Uploaded));
        var keys = await AwsCli.ListKeysAsync(moto, bucket, "records/2026/03/01/", ct: Ct);
        Assert.Equal(records.Select(r => r.Key).Order(), keys.Order());
    }

    [Fact]
    public async Task AnInstanceWithASkewedClockFilesItsRecordsUnderItsOwnDayAndEveryInstanceStillFindsThem()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        var skewed = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-3));
        await using var fleet = await Fleet.StartAsync(moto, bucket, 3, i => i == 2 ? s => s.AddSingleton<TimeProvider>(skewed) : null);
        var late = new List<Acknowledged>();
        for (var n = 0; n < 5; n++)
        {
            late.Add(await fleet.PostAsync(2, n, Ct));
        }
        var onTime = await fleet.PostAsync(0, 5, Ct);

        await fleet.BackUpAllAtOnceAsync(Ct);
        var day = DateOnly.FromDateTime(skewed.GetUtcNow().UtcDateTime);
        using var restored = new TempFolder();
        var restore = await fleet[0].Services.GetRequiredService<RestoreRunner>()
            .RunAsync(new RestoreRequest(restored.Path, day, day), ct: Ct);

        Assert.All(late, r => Assert.StartsWith(KeyLayout.DayPrefix("records", day), r.Key));
        Assert.NotEqual(late[0].Key[..19], onTime.Key[..19]);
        foreach (var record in late)
        {
            Assert.Equal(record.Bytes, await fleet[0].Client.GetByteArrayAsync($"/records/{record.Id}", Ct));
        }
        Assert.Equal((5, 0), (restore.Uploaded, restore.Failed));
        Assert.Equal(late.Select(r => RecordId.FileName(r.Id)).Order(), Directory.GetFiles(restored.Path).Select(f => Path.GetFileName(f)!).Order());
    }

    [Fact]
    public async Task ARestoreOnAnotherMachineWhileAnInstanceUploadsGetsOnlyCompleteVerifiedRecordsAndTheRestNextTime()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var proxy = new FaultProxy(moto.Endpoint) { Latency = TimeSpan.FromMilliseconds(20) };
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        // The instances reach the store through a slow link; the machine that restores has a direct one.
        await using var fleet = await Fleet.StartAsync(moto, bucket, 2, via: proxy.Endpoint, settings: "--Backup:Concurrency=2");
        await using var restoreMachine = await S3Setup.StartAsync(moto, bucket);
        var records = await fleet.PostRoundRobinAsync(0, 160, Ct);
        await fleet.BackUpAsync(0, Ct);
        using var restored = new TempFolder();
        var restorer = restoreMachine.Services.GetRequiredService<RestoreRunner>();
        var requestsBefore = proxy.Requests;

        var uploading = fleet.BackUpAsync(1, Ct);
        while (proxy.Requests == requestsBefore && !uploading.IsCompleted)
        {
            await Task.Delay(10, Ct); // until instance 1 is uploading
        }
        var during = await restorer.RunAsync(new RestoreRequest(restored.Path), ct: Ct);
        await uploading;
        var filesDuring = Directory.GetFiles(restored.Path).Length;
        var after = await restorer.RunAsync(new RestoreRequest(restored.Path), ct: Ct);

        Assert.Equal(0, during.Failed);
        Assert.Equal(filesDuring, during.Uploaded);
        Assert.InRange(filesDuring, 80, 160);
        Assert.Equal((0, 160 - filesDuring, filesDuring), (after.Failed, after.Uploaded, after.Skipped));
        var files = Directory.GetFiles(restored.Path);
        Assert.Equal(160, files.Length);
        var byName = records.ToDictionary(r => RecordId.FileName(r.Id));
        Assert.All(files, f => Assert.Equal(byName[Path.GetFileName(f)].Bytes, File.ReadAllBytes(f)));
    }

    [Fact]
    public async Task ASecondInstanceOnTheSameSpoolFolderRefusesToStartAndTheFirstKeepsServing()
    {
        using var shared = new TempFolder();
        await using var first = await new RespaldoApplication([$"--Storage:Directory={shared.Path}"], null).StartAsync();
        await first.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });
        await using var second = new RespaldoApplication([$"--Storage:Directory={shared.Path}"], null);

        var refused = await Assert.ThrowsAsync<SpoolInUseException>(second.StartAsync);
        var stillServing = await first.PostRecordAsync(new { nombre = "Eva", edad = 31, profesion = "Jueza" });

        Assert.Contains("Storage:Directory", refused.Message);
        Assert.Equal(System.Net.HttpStatusCode.Created, stillServing.StatusCode);
        Assert.Equal(2, Directory.GetFiles(shared.Path, "*.json").Length);
    }

    [Fact]
    public async Task AnIdempotencyKeyIsRememberedOnlyByTheInstanceThatTookIt()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var fleet = await Fleet.StartAsync(moto, bucket, 2);
        var record = new { nombre = "Ana", edad = 30, profesion = "Médica" };

        var first = await PostWithKeyAsync(fleet[0], "checkout-42", record);
        var retrySameInstance = await PostWithKeyAsync(fleet[0], "checkout-42", record);
        var retryOtherInstance = await PostWithKeyAsync(fleet[1], "checkout-42", record);

        // Retries reach the same instance only if the load balancer routes by the Idempotency-Key header.
        Assert.Equal(first.Id, retrySameInstance.Id);
        Assert.True(retrySameInstance.Replayed);
        Assert.NotEqual(first.Id, retryOtherInstance.Id);
        Assert.False(retryOtherInstance.Replayed);
    }

    private static async Task<(Guid Id, bool Replayed)> PostWithKeyAsync(RespaldoApplication app, string key, object record)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/store_data/") { Content = JsonContent.Create(record) };
        request.Headers.Add("Idempotency-Key", key);
        var response = await app.Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        return (id, response.Headers.Contains("Idempotent-Replayed"));
    }
}
