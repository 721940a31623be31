using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Aftermath;

namespace Respaldo.Tests.Operations;

/// <summary>/metrics as Prometheus scrapes it, after real requests and real backup runs.</summary>
public sealed class MetricsTests
{
    private static readonly object Valid = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };

    internal static async Task<PrometheusText> ScrapeAsync(RespaldoApplication app, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        using var response = await app.Client.SendAsync(request, Bounded());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new PrometheusText(await response.Content.ReadAsStringAsync(Bounded()));
    }

    [Fact]
    public async Task AcceptedAndRejectedRecordsAreCountedByReason()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        for (var i = 0; i < 3; i++)
        {
            (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        }
        using var invalid = await app.PostRecordAsync(new { nombre = "Ana", edad = -1, profesion = "Ingeniera" });
        using var malformed = await app.PostRawAsync("{\"nombre\": ");
        using var plainText = await app.PostRawAsync("nombre=Ana", "text/plain");
        using var latin1 = await app.PostRawAsync("{}", "application/json; charset=iso-8859-1");

        var metrics = await ScrapeAsync(app);

        Assert.Equal((422, 400, 415, 415), ((int)invalid.StatusCode, (int)malformed.StatusCode, (int)plainText.StatusCode, (int)latin1.StatusCode));
        Assert.Equal(3, metrics.Value("respaldo_records_accepted_total"));
        Assert.Equal(1, metrics.Value("respaldo_records_rejected_total", ("reason", "validation")));
        Assert.Equal(1, metrics.Value("respaldo_records_rejected_total", ("reason", "malformed")));
        Assert.Equal(2, metrics.Value("respaldo_records_rejected_total", ("reason", "unsupported_media_type")));
        Assert.Equal(3, metrics.Value("respaldo_intake_duration_seconds_count", ("outcome", "accepted")));
        Assert.Equal(4, metrics.Value("respaldo_intake_duration_seconds_count", ("outcome", "rejected")));
        Assert.Equal(3, metrics.Value("respaldo_intake_duration_seconds_bucket", ("outcome", "accepted"), ("le", "+Inf")));
    }

    [Fact]
    public async Task TheBacklogGaugesMatchTheSpoolFolder()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        for (var i = 0; i < 4; i++)
        {
            (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        }
        var bytes = Directory.GetFiles(app.SpoolDirectory, "*.json").Sum(f => new FileInfo(f).Length);

        var metrics = await ScrapeAsync(app);

        Assert.Equal(4, metrics.Value("respaldo_spool_files"));
        Assert.Equal(bytes, metrics.Value("respaldo_spool_bytes"));
        Assert.InRange(metrics.Value("respaldo_spool_oldest_age_seconds") ?? -1, 0, 3600);
        Assert.Equal("gauge", metrics.TypeOf("respaldo_spool_files"));
        Assert.Equal("counter", metrics.TypeOf("respaldo_records_accepted_total"));
        Assert.Equal("histogram", metrics.TypeOf("respaldo_intake_duration_seconds"));
    }

    [Fact]
    public async Task ABackupRunIsCountedWithItsUploadsAndBytesAndEmptiesTheBacklogGauges()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        for (var i = 0; i < 3; i++)
        {
            (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        }

        using var backup = await app.Client.PostAsync("/backup", null, Bounded());
        var run = await backup.Content.ReadFromJsonAsync<JsonElement>(Bounded());
        var metrics = await ScrapeAsync(app);

        Assert.Equal(HttpStatusCode.OK, backup.StatusCode);
        Assert.Equal(1, metrics.Value("respaldo_backup_runs_total", ("outcome", "succeeded")));
        Assert.Equal(3, metrics.Value("respaldo_backup_files_uploaded_total"));
        Assert.Equal(run.GetProperty("bytes").GetInt64(), metrics.Value("respaldo_backup_uploaded_bytes_total"));
        Assert.Equal(3, metrics.Value("respaldo_backup_upload_duration_seconds_count"));
        Assert.Null(metrics.Value("respaldo_backup_files_failed_total"));
        Assert.Equal(0, metrics.Value("respaldo_spool_files"));
        Assert.Equal(0, metrics.Value("respaldo_spool_bytes"));
        var finished = run.GetProperty("finishedAt").GetDateTimeOffset().ToUnixTimeMilliseconds() / 1000.0;
        Assert.Equal(finished, metrics.Value("respaldo_backup_last_success_timestamp_seconds") ?? 0, 0.001);
    }

    [Fact]
    public async Task FailedUploadsAreCountedByErrorKindAndTheRunAsFailed()
    {
        using var root = new TempFolder();
        var blocked = Path.Combine(root.Path, "not-a-folder");
        File.WriteAllText(blocked, "a file where the backup folder should be");
        await using var app = await new RespaldoApplication([$"--Backup:Destination={blocked}", "--Backup:MaxAttempts=1"], null, root).StartAsync();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();

        using var backup = await app.Client.PostAsync("/backup", null, Bounded());
        var metrics = await ScrapeAsync(app);

        Assert.Equal(HttpStatusCode.OK, backup.StatusCode);
        Assert.Equal(1, metrics.Value("respaldo_backup_runs_total", ("outcome", "failed")));
        Assert.Equal(2, metrics.Value("respaldo_backup_files_failed_total", ("error", "destination_io")));
        Assert.Null(metrics.Value("respaldo_backup_files_uploaded_total"));
        Assert.Null(metrics.Value("respaldo_backup_last_success_timestamp_seconds"));
        Assert.Equal(2, metrics.Value("respaldo_spool_files"));
    }

    [Fact]
    public async Task ReplaysAndRateLimitedRequestsAreCountedApartFromAcceptedRecords()
    {
        await using var app = await new RespaldoApplication("--Security:RateLimit:PermitsPerSecond=1", "--Security:RateLimit:Burst=2").StartAsync();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/store_data/") { Content = JsonContent.Create(Valid) };
            request.Headers.Add("Idempotency-Key", "same-key-every-time");
            using var response = await app.Client.SendAsync(request, Bounded());
            statuses.Add(response.StatusCode);
        }

        var metrics = await ScrapeAsync(app);

        var created = statuses.Count(s => s == HttpStatusCode.Created);
        var limited = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        Assert.Equal(20, created + limited);
        Assert.True(limited > 0, "a burst of 2 and 1 more a second let through 20 requests in a row only if they took 18 s");
        Assert.Equal(1, metrics.Value("respaldo_records_accepted_total"));
        Assert.Equal(created - 1, metrics.Value("respaldo_records_replayed_total") ?? 0);
        Assert.Equal(limited, metrics.Value("respaldo_records_rejected_total", ("reason", "rate_limited")));
        Assert.Single(app.SpoolFiles());
    }

    [Fact]
    public async Task EachServiceReportsOnlyItsOwnRecordsEvenWithAnotherInTheSameProcess()
    {
        await using var busy = await new RespaldoApplication().StartAsync();
        await using var idle = await new RespaldoApplication().StartAsync();
        (await busy.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        (await busy.PostRecordAsync(Valid)).EnsureSuccessStatusCode();

        var busyMetrics = await ScrapeAsync(busy);
        var idleMetrics = await ScrapeAsync(idle);

        Assert.Equal(2, busyMetrics.Value("respaldo_records_accepted_total"));
        Assert.Equal(2, busyMetrics.Value("respaldo_spool_files"));
        Assert.Null(idleMetrics.Value("respaldo_records_accepted_total"));
        Assert.Equal(0, idleMetrics.Value("respaldo_spool_files"));
    }

    [Fact]
    public async Task MetricsNeedTheApiKeyWhenKeysAreConfigured()
    {
        const string key = "metrics-key-5b1c2d";
        await using var app = await new RespaldoApplication($"--Security:ApiKeys:0={key}").StartAsync();

        using var anonymous = await app.Client.GetAsync("/metrics", Bounded());
        var metrics = await ScrapeAsync(app, key);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(0, metrics.Value("respaldo_spool_files"));
    }
}
