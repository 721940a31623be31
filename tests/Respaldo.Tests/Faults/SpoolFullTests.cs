using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Spool;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// A full spool disk (a real 256 KiB tmpfs; skipped where mounting is not permitted) and the spool quota:
/// intake answers 507 with Retry-After and a ProblemDetails, stores nothing partial, keeps every earlier record, and
/// recovers by itself once space returns; a backup run on the full disk still reports its outcome.
/// </summary>
public sealed class SpoolFullTests
{
    private const int Cycles = 4;
    private const int PostsWhileFull = 16;
    private const int RecordsBeforeFull = 5;
    private const int QuotaBytes = 4000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFullSpoolDiskAnswers507StoresNothingPartialAndRecoversWhenSpaceReturns()
    {
        FaultSeed.Create(out var seed);
        await using var disk = await Tmpfs.TryMountAsync("256k");
        // The quota is a different mechanism (TheSpoolQuotaAnswers507UntilABackupFreesRoom): no stand-in for a full disk.
        Assert.SkipWhen(disk is null, "mounting a tmpfs is not permitted here");
        var spool = Path.Combine(disk!.Path, "records");
        await using var app = await new RespaldoApplication($"--Storage:Directory={spool}").StartAsync();
        var ledger = new Ledger();
        var refusals = 0;
        var fills = 0;

        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            for (var i = 0; i < RecordsBeforeFull; i++)
            {
                Assert.NotNull(await ledger.PostAsync(app.Client, i, Ct));
            }
            var before = Directory.GetFiles(spool).Order().ToArray();
            var filler = disk.Fill($"filler-{cycle}.bin");
            fills++; // the disk reported ENOSPC

            var answers = await Task.WhenAll(Enumerable.Range(0, PostsWhileFull).Select(i => PostRawAsync(app, Ledger.NewRecord(i))));

            foreach (var answer in answers)
            {
                await AssertRetryLaterProblemAsync(answer, HttpStatusCode.InsufficientStorage);
                refusals++;
            }
            Assert.Equal(before, Directory.GetFiles(spool).Order().ToArray()); // no new record, no temporary file
            ledger.Check(spool, DestinationContents.None).AssertHolds($"while the disk is full (cycle {cycle})");

            File.Delete(filler); // space returns: intake recovers without a restart
            Assert.NotNull(await ledger.PostAsync(app.Client, cycle, Ct));
        }

        var check = ledger.Check(spool, DestinationContents.None);
        FaultFigures.Report("SpoolDiskFull(tmpfs)", seed, fills, check, $"disk filled to ENOSPC {fills} times, {refusals} posts answered 507");
    }

    [Fact]
    public async Task TheSpoolQuotaAnswers507UntilABackupFreesRoom()
    {
        FaultSeed.Create(out var seed);
        await QuotaCyclesAsync(seed, "SpoolQuota");
    }

    private static async Task QuotaCyclesAsync(int seed, string name)
    {
        await using var app = await new RespaldoApplication($"--Storage:MaxBytes={QuotaBytes}").StartAsync();
        var ledger = new Ledger();
        var refusals = 0;
        var quotaReached = 0;
        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            var posted = 0;
            while (await ledger.PostAsync(app.Client, posted, Ct) is not null)
            {
                Assert.True(++posted < 100, "the quota never took effect");
            }
            quotaReached++; // a post was refused: the quota is exhausted
            var before = Directory.GetFiles(app.SpoolDirectory).Order().ToArray();
            var answers = await Task.WhenAll(Enumerable.Range(0, PostsWhileFull).Select(i => PostRawAsync(app, Ledger.NewRecord(i))));
            foreach (var answer in answers)
            {
                var problem = await AssertRetryLaterProblemAsync(answer, HttpStatusCode.InsufficientStorage);
                Assert.Contains("Storage:MaxBytes", problem.GetProperty("detail").GetString());
                refusals++;
            }
            Assert.Equal(before, Directory.GetFiles(app.SpoolDirectory).Order().ToArray());

            var spooled = Directory.GetFiles(app.SpoolDirectory, "*.json").Length;
            var run = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
            Assert.True(run.Failed == 0 && run.Uploaded == spooled, run.ToText());
            Assert.NotNull(await ledger.PostAsync(app.Client, cycle, Ct)); // room again, no restart
        }
        var check = ledger.Check(app.SpoolDirectory, DestinationContents.FromDirectory(app.BackupDirectory));
        FaultFigures.Report(name, seed, quotaReached, check, $"quota exhausted {quotaReached} times, {refusals} posts answered 507");
    }

    [Fact]
    public async Task ARunThatFailsWhileTheSpoolDiskIsFullStillReportsItsOutcome()
    {
        FaultSeed.Create(out var seed);
        await using var disk = await Tmpfs.TryMountAsync("256k");
        Assert.SkipWhen(disk is null, "mounting a tmpfs is not permitted here");
        using var elsewhere = new TempFolder();
        var blocked = Path.Combine(elsewhere.Path, "backup");
        await File.WriteAllTextAsync(blocked, "a file where the backup folder should be", Ct);
        var faults = 1; // the destination blocked
        var spool = Path.Combine(disk!.Path, "records");
        await using var app = await new RespaldoApplication($"--Storage:Directory={spool}",
            $"--Backup:Destination={blocked}", "--Backup:MaxAttempts=1").StartAsync();
        var ledger = new Ledger();
        for (var i = 0; i < RecordsBeforeFull; i++)
        {
            Assert.NotNull(await ledger.PostAsync(app.Client, i, Ct));
        }
        disk.Fill();
        faults++; // the spool disk reported ENOSPC (Fill returns only then)

        var response = await app.Client.PostAsync("/backup", null, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var status = JsonDocument.Parse(await app.Client.GetStringAsync("/status", Ct)).RootElement;

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal(RecordsBeforeFull, JsonDocument.Parse(body).RootElement.GetProperty("failed").GetInt32());
        Assert.Equal("Failed", status.GetProperty("lastRun").GetProperty("outcome").GetString());
        Assert.Equal(RecordsBeforeFull, status.GetProperty("pending").GetProperty("files").GetInt32());
        var check = ledger.Check(spool, DestinationContents.None);
        FaultFigures.Report("BackupOnFullSpoolDisk", seed, faults, check, body);
    }

    private static Task<HttpResponseMessage> PostRawAsync(RespaldoApplication app, Ledger.Sent record)
    {
        var content = new ByteArrayContent(record.Body);
        content.Headers.ContentType = new("application/json");
        return app.Client.PostAsync("/store_data/", content, Ct);
    }

    private static async Task<JsonElement> AssertRetryLaterProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains("Nothing was stored", problem.GetProperty("detail").GetString());
        return problem;
    }
}
