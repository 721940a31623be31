using Microsoft.Extensions.Options;

namespace Respaldo.Backup;

/// <summary>
/// The destination's last known state, for <c>/healthz</c>, <c>/status</c> and the status page: the last probe's
/// result, unless a backup run to the same destination wrote an object after that probe failed. A run that stored
/// and verified an object proves the destination works as well as a probe does, so the failure banner goes as soon as
/// one does (in this process or from cron: runs are read from the shared state file), instead of staying until a
/// restart after the operator fixed the bucket.
/// </summary>
internal sealed class DestinationHealth(BackupState state)
{
    private ProbeResult? _last;

    public ProbeResult? Last
    {
        get
        {
            var last = Volatile.Read(ref _last);
            // Only a failure to write can be overtaken, and only then is the state file read: /healthz stays cheap when
            // all is well, and once a run has proven the destination (only a clock problem left) it is not read again.
            if (last is not { Ok: false } || last.Source != ProbeSource || !last.Problems.Any(IsDestinationProblem) || ProvingRun(last) is not { } run)
            {
                return last;
            }
            // A run proves that the destination takes writes, not that the clocks agree: a clock 5-15 min off still
            // uploads, and its warning (and the re-probe that watches it drift) must stay.
            var remaining = last.Problems.Where(p => !IsDestinationProblem(p)).ToList();
            var cleared = last with
            {
                Ok = remaining.Count == 0, CheckedAt = run.FinishedAt, Problems = remaining, Source = $"backup run {run.RunId}",
                NextCheckAt = remaining.Count == 0 ? null : last.NextCheckAt, // proven: no further check is planned
            };
            Interlocked.CompareExchange(ref _last, cleared, last);
            return cleared;
        }
    }

    public void Record(ProbeResult result) => Volatile.Write(ref _last, result);

    public const string ProbeSource = "probe";

    /// <summary>The probe's findings about writing to the destination (as opposed to the clock's).</summary>
    private static bool IsDestinationProblem(string problem) => problem.StartsWith("Destination ", StringComparison.Ordinal);

    /// <summary>
    /// The latest run to this destination since the probe failed that tried to store something, when it stored at
    /// least one object: a later run whose every upload failed leaves the failure standing.
    /// </summary>
    private RunSummary? ProvingRun(ProbeResult failed)
    {
        var saved = state.Read();
        var latest = saved.RecentRuns.Append(saved.LastRun).LastOrDefault(run =>
            run is not null && (run.Objects > 0 || run.Failed > 0) && run.FinishedAt > failed.CheckedAt && run.Destination == failed.Destination);
        return latest is { Objects: > 0 } ? latest : null;
    }
}

/// <summary>
/// Runs the destination probe in the background when the service starts (<c>Backup:ProbeAtStart</c>): a wrong
/// bucket, endpoint or key shows up in the log, <c>/healthz</c> and the status page within seconds instead of at the
/// first scheduled run. While it fails it probes again, first after <see cref="FirstRecheck"/>, then twice as long each
/// time up to <see cref="MaxRecheck"/>, so a fixed destination is seen without a restart and a broken one costs a few
/// requests an hour. It stops once a probe succeeds or a backup run proved the destination. Intake does not wait for
/// it and is never refused because of it.
/// </summary>
internal sealed class DestinationStartupProbe(
    DestinationProbe probe, DestinationHealth health, IOptions<BackupOptions> options, TimeProvider time, ILogger<DestinationStartupProbe> logger)
    : BackgroundService
{
    public static readonly TimeSpan FirstRecheck = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxRecheck = TimeSpan.FromMinutes(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ProbeAtStart)
        {
            return;
        }
        await Task.Yield(); // never hold up the host's start
        for (var wait = FirstRecheck; ; wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxRecheck.Ticks)))
        {
            var result = await ProbeOnceAsync(stoppingToken);
            if (result.Ok)
            {
                health.Record(result);
                logger.DestinationProbeSucceeded(result.Destination, result.ProbeKey);
                return;
            }
            // The timer starts before the result is published, so whoever reads NextCheckAt (a test moving a fake
            // clock to it, too) finds the re-check already due at that instant.
            var next = Task.Delay(wait, time, stoppingToken);
            health.Record(result with { NextCheckAt = time.GetUtcNow() + wait });
            foreach (var problem in result.Problems)
            {
                logger.DestinationProbeFailed(problem);
            }
            await next;
            if (health.Last is { Ok: true })
            {
                return; // a backup run stored an object since: nothing left to prove
            }
        }
    }

    private async Task<ProbeResult> ProbeOnceAsync(CancellationToken ct)
    {
        try
        {
            return await probe.RunAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A probe that cannot even run must not stop the service: it is the probe's finding.
            return new ProbeResult(false, time.GetUtcNow(), probe.Destination, "", [$"Destination {probe.Destination}: the probe could not run: {e.Message}"], null);
        }
    }
}
