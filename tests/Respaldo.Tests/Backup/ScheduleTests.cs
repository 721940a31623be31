using System.Text.Json;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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

    private static BackupScheduler Scheduler(RespaldoApplication app) =>
        app.Services.GetServices<IHostedService>().OfType<BackupScheduler>().Single();

    /// <summary>The time the scheduler waits for (its timer armed) once it waits for one later than <paramref name="after"/>.</summary>
    private static Task<DateTimeOffset> DueAsync(RespaldoApplication app, DateTimeOffset after) =>
        Scheduler(app).WaitingForAsync(after, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

    /// <summary>Moves the fake clock to the time the scheduler reported, and returns once the run is over and the next wait has begun.</summary>
    private static async Task<RunSummary> RunDueAsync(RespaldoApplication app, FakeTimeProvider time, DateTimeOffset due)
    {
        time.SetUtcNow(due);
        await DueAsync(app, due);
        return app.Services.GetRequiredService<BackupState>().Read().LastRun ?? throw new Xunit.Sdk.XunitException("No backup ran.");
    }

    [Fact]
    public async Task TheScheduleRunsTheBackupAtMidnightAndNotBefore()
    {
        var time = new FakeTimeProvider(Evening);
        await using var app = await App(time).StartAsync();
        await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });

        var due = await DueAsync(app, Evening);
        time.SetUtcNow(due - TimeSpan.FromSeconds(1));
        var beforeMidnight = app.Services.GetRequiredService<BackupState>().Read().LastRun;
        var run = await RunDueAsync(app, time, due);

        Assert.Equal(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero), due);
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

        var startedAt = time.GetUtcNow();
        await using var second = await App(time, root).StartAsync();
        var due = await DueAsync(second, DateTimeOffset.MinValue);
        var run = await RunDueAsync(second, time, due);

        Assert.Equal(startedAt + TimeSpan.FromSeconds(30), due); // Backup:CatchUpDelay after start-up
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
        // The first thing the scheduler waits for is the next midnight, not a catch-up 30 s after start-up.
        var due = await DueAsync(second, DateTimeOffset.MinValue);
        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), due);
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
        var scheduler = Scheduler(app);
        await scheduler.ExecuteTask!.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        time.Advance(TimeSpan.FromDays(5));

        Assert.True(scheduler.ExecuteTask.IsCompletedSuccessfully); // it ended without arming any timer
        Assert.Null(scheduler.NextDue);
        Assert.Null(app.Services.GetRequiredService<BackupState>().Read().LastRun);
        Assert.Single(Directory.GetFiles(app.SpoolDirectory, "*.json"));
    }

    [Fact]
    public async Task AScheduleWhoseNextRunIsYearsAwayWaitsForItAndRunsThen()
    {
        // Only on 29 February: from November 2026 the next run is 15 months away, far beyond the ~49.7 days a
        // single timer can wait.
        var time = new FakeTimeProvider(Evening);
        await using var app = await App(time, null, "--Backup:Schedule=0 0 29 2 *").StartAsync();
        await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });

        var due = await DueAsync(app, Evening);
        time.SetUtcNow(due - TimeSpan.FromMinutes(1));
        var before = app.Services.GetRequiredService<BackupState>().Read().LastRun;
        var run = await RunDueAsync(app, time, due);
        var next = await DueAsync(app, due);

        Assert.Equal(new DateTimeOffset(2028, 2, 29, 0, 0, 0, TimeSpan.Zero), due);
        Assert.Null(before);
        Assert.Equal(BackupScheduler.Trigger, run.Trigger);
        Assert.Equal(1, run.Uploaded);
        Assert.Equal(new DateTimeOffset(2032, 2, 29, 0, 0, 0, TimeSpan.Zero), next);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/healthz", TestContext.Current.CancellationToken)).StatusCode);
    }
}
