using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Respaldo.Backup;
using Respaldo.Spool;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Deployment;

/// <summary>
/// Upgrades: the current version started on a spool folder that older versions wrote (Fixtures/spool, checked in
/// byte for byte; Fixtures/README.md says which version wrote which file).
/// </summary>
public sealed class UpgradeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Fixtures = Directory.GetFiles(RepoFiles.Fixtures("spool"), "*.json").Order().ToArray();

    [Fact]
    public async Task RecordsAnOlderVersionSpooledAreServedByteForByteAfterTheUpgrade()
    {
        await using var app = await StartOnFixtureSpoolAsync(new RespaldoApplication());

        foreach (var file in Fixtures)
        {
            var response = await app.Client.GetAsync($"/records/{Path.GetFileNameWithoutExtension(file)}", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(await File.ReadAllBytesAsync(file, Ct), await response.Content.ReadAsByteArrayAsync(Ct));
        }
        var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Ct);
        Assert.Equal(Fixtures.Length, status.GetProperty("pending").GetProperty("files").GetInt32());
        // The last run as the older version recorded it in .respaldo/state.json.
        Assert.Equal("28b25e3b8c1e", status.GetProperty("lastRun").GetProperty("runId").GetString());
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(app.SpoolDirectory, ".respaldo"), "*", SearchOption.AllDirectories),
            f => f.Contains("quarantine", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RecordsAnOlderVersionSpooledAreBackedUpByteIdenticalUnderTheirDatedKeys()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var app = await StartOnFixtureSpoolAsync(new RespaldoApplication(S3Setup.Settings(bucket), S3Setup.Client(moto)));

        var summary = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        Assert.Equal((Fixtures.Length, 0, 0), (summary.Uploaded, summary.Failed, summary.Skipped));
        Assert.Empty(Directory.GetFiles(app.SpoolDirectory, "*.json"));
        var keys = await AwsCli.ListKeysAsync(moto, bucket, ct: Ct);
        Assert.Equal(Fixtures.Select(f => "records/2026/11/29/" + Path.GetFileName(f)).Order(), keys.Order());
        foreach (var file in Fixtures)
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            Assert.Equal(bytes, await AwsCli.GetObjectBytesAsync(moto, bucket, "records/2026/11/29/" + Path.GetFileName(file), Ct));
            Assert.Equal(bytes, await app.Client.GetByteArrayAsync($"/records/{Path.GetFileNameWithoutExtension(file)}", Ct));
        }
    }

    [Fact]
    public async Task AnIdempotencyKeyAnOlderVersionStoredStillReturnsItsRecord()
    {
        // The older version wrote the record with escaped emoji; the retry sends them as plain UTF-8.
        const string id = "01a2249e-541b-7fc3-9471-1cd1055625bd";
        var original = JsonDocument.Parse(await File.ReadAllBytesAsync(RepoFiles.Fixtures($"spool/{id}.json"), Ct)).RootElement;
        var clock = new FakeTimeProvider(original.GetProperty("receivedAt").GetDateTimeOffset().AddHours(1));
        await using var app = await StartOnFixtureSpoolAsync(new RespaldoApplication([], s => s.AddSingleton<TimeProvider>(clock)));
        var retry = new { nombre = "José Núñez 😀", edad = 40, profesion = "Ingeniera de caminos 🚧" };

        var replayed = await PostWithKeyAsync(app, "order-7f3a-2026", retry);
        var conflicting = await PostWithKeyAsync(app, "order-7f3a-2026", retry with { edad = 41 });

        Assert.Equal(HttpStatusCode.Created, replayed.StatusCode);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(id, (await replayed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Conflict, conflicting.StatusCode);
        Assert.Equal(Fixtures.Length, Directory.GetFiles(app.SpoolDirectory, "*.json").Length);
    }

    private static async Task<RespaldoApplication> StartOnFixtureSpoolAsync(RespaldoApplication app)
    {
        CopyFolder(RepoFiles.Fixtures("spool"), app.SpoolDirectory);
        return await app.StartAsync();
    }

    private static Task<HttpResponseMessage> PostWithKeyAsync(RespaldoApplication app, string key, object record)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/store_data/") { Content = JsonContent.Create(record) };
        request.Headers.Add("Idempotency-Key", key);
        return app.Client.SendAsync(request, Ct);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        Assert.True(Fixtures.All(f => RecordId.TryParseFileName(Path.GetFileName(f), out _)));
    }
}
