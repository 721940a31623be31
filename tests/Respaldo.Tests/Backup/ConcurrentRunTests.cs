using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Backup;

/// <summary>What happens while a run is in progress: new records, and a second run.</summary>
public sealed class ConcurrentRunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> PostAsync(RespaldoApplication app, int i)
    {
        var response = await app.PostRecordAsync(new { nombre = $"Persona {i}", edad = i % 150, profesion = "Carpintera" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task RecordsPostedDuringARunAreLeftForTheNextRunAndNoneIsLost()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var proxy = new FaultProxy(moto.Endpoint) { Latency = TimeSpan.FromMilliseconds(40) };
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var app = await S3Setup.StartAsync(moto, bucket, proxy.Endpoint, "--Backup:Concurrency=4");
        var before = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            before.Add(await PostAsync(app, i));
        }

        var run = app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
        var during = new List<string>();
        for (var i = 0; !run.IsCompleted || during.Count < 5; i++)
        {
            during.Add(await PostAsync(app, 100 + i));
        }
        var summary = await run;

        Assert.Equal((40, 40, 0), (summary.Files, summary.Uploaded, summary.Failed));
        var spooled = Directory.GetFiles(app.SpoolDirectory, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).ToHashSet();
        var backedUp = (await AwsCli.ListKeysAsync(moto, bucket, ct: Ct)).Select(k => Path.GetFileNameWithoutExtension(k)).ToHashSet();
        Assert.Equal(before.ToHashSet(), backedUp);
        Assert.Equal(during.ToHashSet(), spooled);
        Assert.Empty(spooled.Intersect(backedUp));

        var next = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
        Assert.Equal(during.Count, next.Uploaded);
        Assert.Equal(before.Count + during.Count, (await AwsCli.ListKeysAsync(moto, bucket, ct: Ct)).Count);
    }

    [Fact]
    public async Task ASecondRunWhileOneIsInProgressIsRefusedWithConflictAndTheFirstFinishes()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var proxy = new FaultProxy(moto.Endpoint) { Latency = TimeSpan.FromMilliseconds(100) };
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var app = await S3Setup.StartAsync(moto, bucket, proxy.Endpoint, "--Backup:Concurrency=1", "--Backup:LockTimeout=00:00:00");
        for (var i = 0; i < 10; i++)
        {
            await PostAsync(app, i);
        }
        var first = app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
        while (proxy.Requests == 0)
        {
            await Task.Delay(10, Ct); // until the first run holds the lock and is uploading
        }

        var second = await app.Client.PostAsync("/backup", null, Ct);
        var problem = JsonDocument.Parse(await second.Content.ReadAsStringAsync(Ct)).RootElement;
        var summary = await first;

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("in progress", problem.GetProperty("detail").GetString());
        Assert.Equal(10, summary.Uploaded);
        Assert.Equal(10, (await AwsCli.ListKeysAsync(moto, bucket, ct: Ct)).Count);
    }

    [Fact]
    public async Task TwoRunsStartedTogetherUploadEachFileOnce()
    {
        await using var app = await new RespaldoApplication("--Backup:LockTimeout=00:01:00").StartAsync();
        for (var i = 0; i < 30; i++)
        {
            await PostAsync(app, i);
        }
        var runner = app.Services.GetRequiredService<BackupRunner>();

        var results = await Task.WhenAll(runner.RunAsync("a", ct: Ct), runner.RunAsync("b", ct: Ct));

        Assert.Equal(30, results.Sum(r => r.Uploaded));
        Assert.Equal(0, results.Sum(r => r.Failed));
        Assert.Contains(results, r => r.Files == 0);
        Assert.Equal(30, Directory.GetFiles(app.BackupDirectory, "*.json", SearchOption.AllDirectories).Length);
    }
}
