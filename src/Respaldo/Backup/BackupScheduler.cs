using Microsoft.Extensions.Options;
using Respaldo.Hosting;

namespace Respaldo.Backup;

/// <summary>
/// Runs the backup on the cron schedule. If the service was down when a run was due, it runs once soon after
/// start-up (catch-up, as anacron does), judged from the last run recorded beside the spool by any process.
/// </summary>
/// <remarks>
/// Nothing here may stop the service: the loop is <see cref="BackgroundLoop"/>'s (a failing run or a failing
/// clock read is logged and the schedule goes on), and a next run years away (<c>0 0 29 2 *</c>) is waited for in
/// bounded steps. The time it waits for is reported (<see cref="WaitingForAsync"/>), so a test with a fake clock
/// moves the clock exactly there instead of guessing with sleeps.
/// </remarks>
internal sealed class BackupScheduler(
    BackupRunner runner, BackupSchedule schedule, BackupState state, IOptions<BackupOptions> options,
    TimeProvider time, ILogger<BackupScheduler> logger) : BackgroundService
{
    public const string Trigger = "schedule";
    public const string CatchUpTrigger = "catch-up";

    private readonly Lock _gate = new();
    private (DateTimeOffset? Due, TaskCompletionSource Changed) _wait = (null, NewSignal());

    /// <summary>The time the scheduler waits for now (its timer armed), or null while it runs a backup or has not begun.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                return _wait.Due;
            }
        }
    }

    /// <summary>Completes once the scheduler waits for a run due later than <paramref name="after"/>, with that due time.</summary>
    public async Task<DateTimeOffset> WaitingForAsync(DateTimeOffset after, CancellationToken ct)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_wait.Due is { } due && due > after)
                {
                    return due;
                }
                changed = _wait.Changed.Task;
            }
            await changed.WaitAsync(ct);
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // For `respaldo status` from a shell, whose own settings may differ from the service's. Written here, before
        // the host has started, not in ExecuteAsync, which .NET 10 runs on the thread pool: there the write would race
        // the first requests. (BackupState.Update never throws: a state that cannot be written is only logged.)
        var o = options.Value;
        state.Update(s => s with
        {
            Service = new ServiceSchedule(o.ScheduleEnabled ? o.Schedule : BackupOptions.ScheduleOff, schedule.Zone.Id, Environment.ProcessId, time.GetUtcNow()),
        });
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (schedule.Expression is null)
        {
            logger.ScheduleOff();
            return;
        }
        await BackgroundLoop.TryOnceAsync("catch-up", CatchUpAsync, logger, stoppingToken);
        await BackgroundLoop.RunAsync("backup schedule", async ct =>
        {
            if (schedule.NextAfter(time.GetUtcNow()) is not { } next)
            {
                // No occurrence left (a cron expression can have none): nothing to wait for, but stay alive.
                await WaitAsync(DateTimeOffset.MaxValue, ct);
                return;
            }
            logger.NextRunAt(next);
            await WaitAsync(next, ct);
            await RunOnceAsync(Trigger, ct);
        }, time, logger, stoppingToken);
    }

    private async Task CatchUpAsync(CancellationToken ct)
    {
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
            await WaitAsync(now + options.Value.CatchUpDelay, ct);
            await RunOnceAsync(CatchUpTrigger, ct);
        }
    }

    private async Task WaitAsync(DateTimeOffset due, CancellationToken ct)
    {
        var waiting = BackgroundLoop.DelayUntilAsync(due, time, ct); // its timer is armed when this returns
        Report(due);
        try
        {
            await waiting;
        }
        finally
        {
            Report(null);
        }
    }

    private void Report(DateTimeOffset? due)
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _wait.Changed;
            _wait = (due, NewSignal());
        }
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task RunOnceAsync(string trigger, CancellationToken ct)
    {
        try
        {
            await runner.RunAsync(trigger, ct: ct);
        }
        catch (BackupBusyException e)
        {
            logger.ScheduledRunSkipped(e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // A failing run must not stop the schedule: the files stay spooled and the next occurrence tries again.
            logger.ScheduledRunFailed(e);
        }
    }
}
