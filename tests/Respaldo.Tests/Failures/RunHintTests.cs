using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Faults;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// M7: a backup run's summary (CLI text, <c>POST /backup</c>, <c>/status</c>) says what to do in the same sentence
/// <c>check</c> gives for the same failure; and a verification failure that the store's answer proves will repeat is
/// not retried, counted by the PUTs that reach the store.
/// </summary>
public sealed class RunHintTests
{
    private const int Files = 3;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AMissingBucketGetsTheSameHintInTheRunSummaryStatusAndCheck()
    {
        const string hint = "Create the bucket, or fix the bucket name in Backup:Destination.";
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var app = await new RespaldoApplication(S3Setup.Settings(S3Setup.NewBucket(), "records", "--Backup:MaxAttempts=1"), S3Setup.Client(moto)).StartAsync();
        (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Ingeniera" })).EnsureSuccessStatusCode();

        var run = await (await app.Client.PostAsync("/backup", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Ct);
        var check = await app.Services.GetRequiredService<DestinationProbe>().RunAsync(Ct);
        var text = app.Services.GetRequiredService<BackupState>().Read().LastRun!.ToText();

        Assert.Equal([hint], run.GetProperty("hints").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal([hint], status.GetProperty("lastRun").GetProperty("hints").EnumerateArray().Select(h => h.GetString()));
        Assert.EndsWith(hint, text);
        Assert.EndsWith(hint, Assert.Single(check.Problems));
    }

    [Fact]
    public async Task AccessDeniedGetsTheCredentialsHintInTheRunSummaryAndCheck()
    {
        await using var s = await S3Scenario.StartAsync(Files, "--Backup:MaxAttempts=1");
        s.Proxy.Rule = request => request.Method == "PUT" ? Fault.Status(403, "AccessDenied") : Fault.None;

        var summary = await s.RunAsync();
        var check = await s.App.Services.GetRequiredService<DestinationProbe>().RunAsync(Ct);

        var hint = Assert.Single(summary.Hints);
        Assert.StartsWith("Check the credentials", hint);
        Assert.Contains("s3:PutObject", hint);
        Assert.EndsWith(hint, Assert.Single(check.Problems));
        Assert.EndsWith(hint, summary.ToText());
    }

    [Fact]
    public async Task AStoreThatAnswersAChecksumThatIsNotOursIsNotRetriedAndTheRunSaysWhy()
    {
        await using var s = await S3Scenario.StartAsync(Files, "--Backup:MaxAttempts=5");
        var puts = 0;
        s.Proxy.Rule = request =>
        {
            if (request.Method == "PUT")
            {
                Interlocked.Increment(ref puts);
            }
            return Fault.None;
        };
        // A store that keeps its own idea of the checksum, the same one on every attempt; the ETag stays moto's MD5.
        s.Proxy.RewriteResponseHeaders = (request, headers) =>
        {
            var at = headers.FindIndex(h => h.Key.Equals("x-amz-checksum-sha256", StringComparison.OrdinalIgnoreCase));
            if (request.Method != "PUT" || at < 0)
            {
                return false;
            }
            headers[at] = new(headers[at].Key, Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("not the body"))));
            return true;
        };

        var summary = await s.RunAsync();

        Assert.True((summary.Uploaded, summary.Failed) == (0, Files), summary.ToText());
        Assert.Equal(Files, Volatile.Read(ref puts));
        Assert.Equal(Files, summary.ErrorsByKind.GetValueOrDefault("Verification"));
        Assert.False(summary.ErrorsByKind.ContainsKey("retried-Verification"), summary.ToText());
        Assert.Contains(summary.FirstErrors, e => e.Contains("retrying cannot change that"));
        Assert.Equal(Files, s.SpooledFiles().Length);
    }

    [Fact]
    public async Task AStoreThatKeepsChunkFramingIsNotRetriedAndTheRunSuggestsPlainPayloads()
    {
        await using var s3rver = await S3rverServer.StartAsync(Ct);
        await using var s = await S3Scenario.StartAsync(s3rver, Files, "--Backup:MaxAttempts=5");
        var puts = 0;
        s.Proxy.Rule = request =>
        {
            if (request.Method == "PUT")
            {
                Interlocked.Increment(ref puts);
            }
            return Fault.None;
        };

        var summary = await s.RunAsync();
        var putsByRun = Volatile.Read(ref puts);
        var check = await s.App.Services.GetRequiredService<DestinationProbe>().RunAsync(Ct);

        Assert.True((summary.Uploaded, summary.Failed) == (0, Files), summary.ToText());
        Assert.Equal(Files, putsByRun);
        Assert.False(summary.ErrorsByKind.ContainsKey("retried-Verification"), summary.ToText());
        Assert.Contains(summary.FirstErrors, e => e.Contains("bytes where") && e.Contains("is not the MD5"));
        var hint = Assert.Single(summary.Hints);
        Assert.Contains("Backup:PayloadMode=Plain", hint);
        Assert.EndsWith(hint, Assert.Single(check.Problems));
    }
}
