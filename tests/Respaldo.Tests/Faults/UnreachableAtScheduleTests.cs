using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// The destination is unreachable when the nightly schedule fires (a fake clock drives it): the run fails cleanly,
/// <c>GET /status</c> says why, the files stay, and the next night's run takes them all once the destination is back.
/// </summary>
public sealed class UnreachableAtScheduleTests
{
    private const int Nights = 3;
    private const int RecordsPerNight = 15;
    private const int JumpEverySteps = 500;
    private static readonly DateTimeOffset Evening = new(2026, 11, 28, 22, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARunThatFindsTheDestinationUnreachableFailsCleanlyAndTheNextNightTakesEverything()
    {
        FaultSeed.Create(out var seed);
        var time = new FakeTimeProvider(Evening);
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var proxy = new FaultProxy(moto.Endpoint);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        var client = S3Setup.Client(moto, proxy.Endpoint);
        await using var app = await new RespaldoApplication(
            S3Setup.Settings(bucket, "records", "--Backup:Schedule=0 0 * * *", "--Backup:TimeZone=UTC", "--Backup:MaxAttempts=3", "--Backup:AbortAfterConsecutiveFailures=6"),
            services => { client(services); services.AddSingleton<TimeProvider>(time); }).StartAsync();
        var ledger = new Ledger();
        var seq = 0;
        Fault[] outages = [Fault.Reset, Fault.SlowDown, Fault.InternalError];
        string[] expectedKinds = ["Network", "Throttled", "ServerError"];
        var nights = new List<string>();

        for (var night = 0; night < Nights; night++)
        {
            for (var i = 0; i < RecordsPerNight; i++)
            {
                Assert.NotNull(await ledger.PostAsync(app.Client, seq++, Ct));
            }
            var pending = Directory.GetFiles(app.SpoolDirectory, "*.json").Length;

            // Midnight: the destination is down.
            proxy.Rule = _ => outages[night % outages.Length];
            var failed = await AdvanceUntilRunAsync(app, time);
            var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Ct);
            var lastRun = status.GetProperty("lastRun");

            Assert.Equal(BackupScheduler.Trigger, failed.Trigger);
            Assert.True((failed.Uploaded, failed.Failed, failed.Outcome) == (0, pending, RunOutcome.Failed), failed.ToText());
            Assert.Equal("Failed", lastRun.GetProperty("outcome").GetString());
            Assert.Equal(failed.RunId, lastRun.GetProperty("runId").GetString());
            Assert.True(lastRun.GetProperty("errorsByKind").TryGetProperty(expectedKinds[night % outages.Length], out _), lastRun.ToString());
            Assert.NotEmpty(lastRun.GetProperty("firstErrors").EnumerateArray());
            Assert.Equal(pending, status.GetProperty("pending").GetProperty("files").GetInt32());
            Assert.Equal(pending, Directory.GetFiles(app.SpoolDirectory, "*.json").Length);
            ledger.Check(app.SpoolDirectory, await DestinationContents.FromS3Async(moto, bucket, Ct), settled: false).AssertHolds($"after the failed night {night}");
            Assert.NotNull(await ledger.PostAsync(app.Client, seq++, Ct)); // the service keeps taking records

            // The next night the destination is back.
            proxy.Rule = _ => Fault.None;
            var next = await AdvanceUntilRunAsync(app, time);
            status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Ct);

            Assert.True((next.Failed, next.Uploaded, next.Outcome) == (0, pending + 1, RunOutcome.Succeeded), next.ToText());
            Assert.Equal("Succeeded", status.GetProperty("lastRun").GetProperty("outcome").GetString());
            Assert.Equal(0, status.GetProperty("pending").GetProperty("files").GetInt32());
            nights.Add($"night {2 * night}: {failed.ToText()} night {2 * night + 1}: {next.ToText()}");
        }

        var check = ledger.Check(app.SpoolDirectory, await DestinationContents.FromS3Async(moto, bucket, Ct));
        var injected = Enum.GetValues<FaultKind>().Sum(k => (long)proxy.Injected(k));
        FaultFigures.Report("UnreachableAtSchedule", seed, injected, check, string.Join(" | ", nights));
    }

    /// <summary>
    /// Jumps the fake clock to just past the next scheduled time, then moves it in small steps until the run is
    /// recorded: the steps also fast-forward the run's own retry back-off, which waits on the same clock.
    /// </summary>
    private static async Task<RunSummary> AdvanceUntilRunAsync(RespaldoApplication app, FakeTimeProvider time)
    {
        var state = app.Services.GetRequiredService<BackupState>();
        var previous = state.Read().LastRun?.RunId;
        var schedule = app.Services.GetRequiredService<BackupSchedule>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        for (var step = 0; DateTime.UtcNow < deadline; step++)
        {
            if (state.Read().LastRun is { } run && run.RunId != previous)
            {
                return run;
            }
            if (step % JumpEverySteps == 0)
            {
                // Again now and then, in case the scheduler armed its timer only after the previous jump.
                var due = schedule.NextAfter(time.GetUtcNow()) ?? throw new InvalidOperationException("No next scheduled run.");
                time.Advance(due - time.GetUtcNow() + TimeSpan.FromSeconds(1));
            }
            else
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }
            await Task.Delay(5, Ct);
        }
        throw new TimeoutException("No scheduled run was recorded within 60 s of real time.");
    }
}
