using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Backup;

/// <summary>The backup against a real S3-protocol server (moto) on loopback, checked with the AWS CLI.</summary>
public sealed class S3BackupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BackupPutsEveryRecordAtItsDatedKeyByteIdenticalAndOnlyThenDeletesIt()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var app = await S3Setup.StartAsync(moto, bucket);
        var ids = new List<string>();
        foreach (var nombre in new[] { "José Núñez", "Zoë", "李雷" })
        {
            var receipt = await (await app.PostRecordAsync(new { nombre, edad = 40, profesion = "Piloto" })).Content.ReadFromJsonAsync<JsonElement>(Ct);
            ids.Add(receipt.GetProperty("id").GetString()!);
        }
        var localBytes = ids.ToDictionary(id => id, id => File.ReadAllBytes(Path.Combine(app.SpoolDirectory, id + ".json")));

        var summary = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        Assert.Equal((3, 0, RunOutcome.Succeeded), (summary.Uploaded, summary.Failed, summary.Outcome));
        Assert.Empty(Directory.GetFiles(app.SpoolDirectory, "*.json"));
        var day = DateTime.UtcNow.ToString("yyyy/MM/dd");
        var keys = await AwsCli.ListKeysAsync(moto, bucket, ct: Ct);
        Assert.Equal(ids.Select(id => $"records/{day}/{id}.json").Order(), keys.Order());
        foreach (var id in ids)
        {
            var key = $"records/{day}/{id}.json";
            Assert.Equal(localBytes[id], await AwsCli.GetObjectBytesAsync(moto, bucket, key, Ct));
            var head = await AwsCli.HeadObjectAsync(moto, bucket, key, Ct);
            Assert.Equal("application/json", head.GetProperty("ContentType").GetString());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(localBytes[id])), head.GetProperty("Metadata").GetProperty("sha256").GetString());
        }
    }

    [Fact]
    public async Task ARecordReadsBackFromTheBucketAfterItsLocalFileIsGone()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var app = await S3Setup.StartAsync(moto, bucket);
        var posted = await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });
        var location = posted.Headers.Location!.OriginalString;
        var before = await app.Client.GetByteArrayAsync(location, Ct);

        var backup = await app.Client.PostAsync("/backup", null, Ct);
        var summary = await backup.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(1, summary.GetProperty("uploaded").GetInt32());
        Assert.Empty(Directory.GetFiles(app.SpoolDirectory, "*.json"));
        Assert.Equal(before, await app.Client.GetByteArrayAsync(location, Ct));
    }

    [Fact]
    public async Task AMissingBucketFailsEveryFileAndDeletesNothing()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var app = await S3Setup.StartAsync(moto, "no-such-bucket");
        await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });
        await app.PostRecordAsync(new { nombre = "Eva", edad = 31, profesion = "Jueza" });

        var summary = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        Assert.Equal((0, 2, RunOutcome.Failed), (summary.Uploaded, summary.Failed, summary.Outcome));
        Assert.Equal(2, summary.ErrorsByKind["NotFound"]);
        Assert.Contains(summary.FirstErrors, e => e.Contains("bucket does not exist"));
        Assert.Equal(2, Directory.GetFiles(app.SpoolDirectory, "*.json").Length);
    }

    [Fact]
    public async Task AnUnreachableEndpointFailsTheRunCleanlyKeepsTheFilesAndStatusSaysWhy()
    {
        var closedPort = FreePort.Next();
        await using var app = await new RespaldoApplication(S3Setup.Settings("bucket", "p",
            $"--Backup:ServiceUrl=http://127.0.0.1:{closedPort}", "--Backup:MaxAttempts=2", "--Backup:AbortAfterConsecutiveFailures=3"),
            S3Setup.Client(new Uri($"http://127.0.0.1:{closedPort}"))).StartAsync();
        for (var i = 0; i < 10; i++)
        {
            await app.PostRecordAsync(new { nombre = $"N{i}", edad = i, profesion = "P" });
        }

        var response = await app.Client.PostAsync("/backup", null, Ct);
        var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(10, Directory.GetFiles(app.SpoolDirectory, "*.json").Length);
        var lastRun = status.GetProperty("lastRun");
        Assert.Equal("Failed", lastRun.GetProperty("outcome").GetString());
        Assert.Equal(10, lastRun.GetProperty("failed").GetInt32());
        Assert.True(lastRun.GetProperty("errorsByKind").TryGetProperty("Network", out _), lastRun.ToString());
        // Whether the run stopped early or every file failed first depends on timing; either way it says why.
        Assert.Matches("Connection to the destination failed|Cannot reach the destination", lastRun.GetProperty("firstErrors").ToString());
        Assert.Equal(10, status.GetProperty("pending").GetProperty("files").GetInt32());
    }

    [Fact]
    public async Task StatusReportsTheBacklogTheDestinationAndNoCredentials()
    {
        await using var app = await new RespaldoApplication(S3Setup.Settings("my-bucket", "team/records",
            "--Backup:ServiceUrl=http://127.0.0.1:9", "--Backup:Schedule=0 3 * * *", "--Backup:TimeZone=Europe/Madrid")).StartAsync();
        await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });

        var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Ct);

        Assert.Equal(1, status.GetProperty("pending").GetProperty("files").GetInt32());
        Assert.True(status.GetProperty("pending").GetProperty("bytes").GetInt64() > 50);
        Assert.Equal(JsonValueKind.String, status.GetProperty("pending").GetProperty("oldestReceivedAt").ValueKind);
        Assert.StartsWith("s3://my-bucket/team/records", status.GetProperty("destination").GetString());
        Assert.Equal("Europe/Madrid", status.GetProperty("timeZone").GetString());
        var next = status.GetProperty("nextRun").GetDateTimeOffset();
        Assert.Equal(3, TimeZoneInfo.ConvertTime(next, TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid")).Hour);
        Assert.DoesNotContain("secret", status.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}
