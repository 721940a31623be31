using Microsoft.Extensions.Options;

namespace Respaldo.Backup;

/// <summary>
/// Runs the backup on the cron schedule. If the service was down when a run was due, it runs once soon after
/// start-up (catch-up, as anacron does), judged from the last run recorded beside the spool by any process.
/// </summary>
internal sealed class BackupScheduler(
    BackupRunner runner, BackupSchedule schedule, BackupState state, IOptions<BackupOptions> options,
    TimeProvider time, ILogger<BackupScheduler> logger) : BackgroundService
{
    public const string Trigger = "schedule";
    public const string CatchUpTrigger = "catch-up";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (schedule.Expression is null)
        {
            logger.ScheduleOff();
            return;
        }
        var now = time.GetUtcNow();
        var current = state.Read();
        var lastRun = current.LastRun?.StartedAt ?? current.FirstSeenAt;
        if (lastRun is null)
        {
            state.Update(s => s with { FirstSeenAt = now });
        }
        else if (schedule.WasDueBetween(lastRun.Value, now))
        {
            logger.CatchingUp(lastRun.Value, options.Value.CatchUpDelay);
            await Task.Delay(options.Value.CatchUpDelay, time, stoppingToken);
            await RunOnceAsync(CatchUpTrigger, stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            now = time.GetUtcNow();
            if (schedule.NextAfter(now) is not { } next)
            {
                return;
            }
            logger.NextRunAt(next);
            await Task.Delay(next - now, time, stoppingToken);
            await RunOnceAsync(Trigger, stoppingToken);
        }
    }

    private async Task RunOnceAsync(string trigger, CancellationToken ct)
    {
        // A failing run must not stop the host: catch per run; the next occurrence tries again.
        try
        {
            await runner.RunAsync(trigger, ct: ct);
        }
        catch (BackupBusyException e)
        {
            logger.ScheduledRunSkipped(e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.ScheduledRunFailed(e);
        }
    }
}
