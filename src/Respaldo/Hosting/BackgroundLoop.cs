namespace Respaldo.Hosting;

/// <summary>
/// The one pattern for the service's background loops (the schedule, the spool rescan): run forever; any error but
/// the service stopping is logged and the loop goes on after a pause. An exception that escaped a loop would stop the
/// whole host, and with it intake, for a problem that only that loop had.
/// </summary>
internal static partial class BackgroundLoop
{
    /// <summary>The pause after a failed step, so a step that fails at once every time does not spin.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest single timer: <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> refuses more
    /// than about 49.7 days (2^32 - 2 ms). Longer waits are taken in steps, re-reading the clock after each.
    /// </summary>
    public static readonly TimeSpan MaxStep = TimeSpan.FromDays(1);

    /// <summary>Runs <paramref name="step"/> again and again until <paramref name="stoppingToken"/> is cancelled.</summary>
    public static async Task RunAsync(
        string name, Func<CancellationToken, Task> step, TimeProvider time, ILogger logger, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await step(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LoopStepFailed(name, RetryDelay, e);
                try
                {
                    await DelayAsync(RetryDelay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Runs <paramref name="step"/> once, logging any error but cancellation; true when it succeeded.</summary>
    public static async Task<bool> TryOnceAsync(string name, Func<CancellationToken, Task> step, ILogger logger, CancellationToken stoppingToken)
    {
        try
        {
            await step(stoppingToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            logger.LoopStepFailed(name, TimeSpan.Zero, e);
            return false;
        }
    }

    /// <summary>Waits until <paramref name="due"/> on <paramref name="time"/>'s clock, however far away it is.</summary>
    /// <remarks>The first timer is armed before this method first returns, so a caller may report the wait as begun.</remarks>
    public static async Task DelayUntilAsync(DateTimeOffset due, TimeProvider time, CancellationToken ct)
    {
        for (var left = due - time.GetUtcNow(); left > TimeSpan.Zero; left = due - time.GetUtcNow())
        {
            await Task.Delay(left < MaxStep ? left : MaxStep, time, ct);
        }
    }

    public static Task DelayAsync(TimeSpan delay, TimeProvider time, CancellationToken ct) =>
        DelayUntilAsync(time.GetUtcNow() + delay, time, ct);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Loop} loop failed; it goes on in {RetryDelay} (the service keeps running)")]
    private static partial void LoopStepFailed(this ILogger logger, string loop, TimeSpan retryDelay, Exception exception);
}
