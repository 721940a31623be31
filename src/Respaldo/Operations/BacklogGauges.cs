using System.Diagnostics.Metrics;
using Respaldo.Backup;
using Respaldo.Spool;

namespace Respaldo.Operations;

/// <summary>
/// The backlog and the last good backup as gauges, read at scrape time from the in-memory spool index (never
/// a scan of the folder) and the small state file. Only the service has them: a command-line process has no
/// running index, so its figures would be wrong.
/// </summary>
internal sealed class BacklogGauges
{
    public BacklogGauges(IMeterFactory meters, SpoolIndex index, BackupState state, TimeProvider time)
    {
        var meter = meters.Create(RespaldoMetrics.MeterName);
        meter.CreateObservableGauge("respaldo.spool.files", () => index.Files, "{file}",
            "Record files waiting in the spool for a backup.");
        meter.CreateObservableGauge("respaldo.spool.bytes", () => index.Bytes, "By",
            "Bytes of record files waiting in the spool.");
        meter.CreateObservableGauge("respaldo.spool.oldest_age", () => OldestAge(index, time), "s",
            "Age of the oldest record waiting in the spool; 0 when the spool is empty.");
        meter.CreateObservableGauge("respaldo.backup.last_success_timestamp", () => LastSuccess(state), "s",
            "Unix time at which the last fully successful backup run finished; absent until one has.");
    }

    private static double OldestAge(SpoolIndex index, TimeProvider time) =>
        index.Snapshot().Oldest is { } oldest ? Math.Max(0, (time.GetUtcNow() - oldest).TotalSeconds) : 0;

    private static IEnumerable<Measurement<double>> LastSuccess(BackupState state)
    {
        var file = state.Read();
        var finished = file.RecentRuns.Append(file.LastRun)
            .Where(r => r?.Outcome == RunOutcome.Succeeded)
            .Select(r => r!.FinishedAt)
            .DefaultIfEmpty()
            .Max();
        return finished == default ? [] : [new Measurement<double>(finished.ToUnixTimeMilliseconds() / 1000.0)];
    }
}
