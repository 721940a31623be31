using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Backup;

/// <summary>The in-process schedule and its catch-up, driven by a fake clock: no test waits for midnight.</summary>
public sealed class ScheduleTests
{
    private static readonly DateTimeOffset Evening = new(2026, 11, 28, 23, 0, 0, TimeSpan.Zero);

    private static RespaldoApplication App(FakeTimeProvider time, TempFolder? root = null, params string[] settings) =>
        new(["--Backup:Schedule=0 0 * * *", "--Backup:TimeZone=UTC", "--Backup:CatchUpDelay=00:00:30", .. settings],
            services => services.AddSingleton<TimeProvider>(time), root);

    /// <summary>Moves the fake clock forward in steps until the state shows a new run, so no step races the scheduler's timer.</summary>
    private static async Task<RunSummary> AdvanceUntilRunAsync(RespaldoApplication app, FakeTimeProvider time, TimeSpan step, int maxSteps)
    {
        var state = app.Services.GetRequiredService<BackupState>();
        var previous = state.Read().LastRun?.RunId;
        for (var i = 0; i < maxSteps; i++)
        {
            if (state.Read().LastRun is { } run && run.RunId != previous)
            {
                return run;
            }
            time.Advance(step);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        return state.Read().LastRun ?? throw new Xunit.Sdk.XunitException("No backup ran.");
    }

    [Fact]
    public async Task TheScheduleRunsTheBackupAtMidnightAndNotBefore()
    {
        var time = new FakeTimeProvider(Evening);
        await using var app = await App(time).StartAsync();
        await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });

        time.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        var beforeMidnight = app.Services.GetRequiredService<BackupState>().Read().LastRun;
        var run = await AdvanceUntilRunAsync(app, time, TimeSpan.FromSeconds(30), 200);

        Assert.Null(beforeMidnight);
        Assert.Equal(BackupScheduler.Trigger, run.Trigger);
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero), run.StartedAt, TimeSpan.FromMinutes(1));
        Assert.Equal(1, run.Uploaded);
        Assert.Empty(Directory.GetFiles(app.SpoolDirectory, "*.json"));
    }

    [Fact]
    public async Task ARunMissedWhileTheServiceWasDownIsCaughtUpSoonAfterStartUp()
    {
        var time = new FakeTimeProvider(Evening);
        using var root = new TempFolder();
        await using (var first = await App(time, root).StartAsync())
        {
            await first.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });
            await first.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: TestContext.Current.CancellationToken);
            await first.PostRecordAsync(new { nombre = "Eva", edad = 31, profesion = "Jueza" });
            await first.StopAsync();
        }
        time.Advance(TimeSpan.FromHours(3)); // down over midnight

        await using var second = await App(time, root).StartAsync();
        var run = await AdvanceUntilRunAsync(second, time, TimeSpan.FromSeconds(5), 100);

        Assert.Equal(BackupScheduler.CatchUpTrigger, run.Trigger);
        Assert.Equal(1, run.Uploaded);
        Assert.Empty(Directory.GetFiles(second.SpoolDirectory, "*.json"));
    }

    [Fact]
    public async Task NoCatchUpRunsWhenTheLastRunCameAfterTheLastDueTime()
    {
        var time = new FakeTimeProvider(Evening.AddHours(2)); // 01:00, after midnight
        using var root = new TempFolder();
        await using (var first = await App(time, root).StartAsync())
        {
            await first.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: TestContext.Current.CancellationToken);
            await first.StopAsync();
        }
        time.Advance(TimeSpan.FromHours(1));

        await using var second = await App(time, root).StartAsync();
        await second.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });
        for (var i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal("test", second.Services.GetRequiredService<BackupState>().Read().LastRun?.Trigger);
        Assert.Single(Directory.GetFiles(second.SpoolDirectory, "*.json"));
        var status = JsonDocument.Parse(await second.Client.GetStringAsync("/status", TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), status.GetProperty("nextRun").GetDateTimeOffset());
    }

    [Fact]
    public async Task ScheduleOffNeverRunsABackup()
    {
        var time = new FakeTimeProvider(Evening);
        await using var app = await App(time, null, "--Backup:Schedule=off").StartAsync();
        await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });

        for (var i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromHours(6));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Null(app.Services.GetRequiredService<BackupState>().Read().LastRun);
        Assert.Single(Directory.GetFiles(app.SpoolDirectory, "*.json"));
    }
}
