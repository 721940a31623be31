using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>The state a person on call asks about: backlog, last run, next run, destination. Never credentials.</summary>
internal sealed class BackupStatus(
    RecordSpool spool, SpoolIndex index, BackupState state, BackupSchedule schedule, IBackupDestination destination, BackupLayouts layouts,
    IOptions<BackupOptions> options, TimeProvider time, DestinationHealth destinationHealth)
{
    public StatusReport Report()
    {
        var now = time.GetUtcNow();
        var saved = state.Read();
        var lastRun = saved.LastRun;
        if (lastRun?.FinishedAt > index.ReconciledAt)
        {
            // A run (possibly another process's, from cron) deleted files since the figures were read: re-read
            // once, so status never shows files that are gone. Otherwise status reads only memory.
            spool.Rescan();
        }
        var backlog = index.Snapshot();
        return new StatusReport(
            new PendingReport(backlog.Files, backlog.Bytes, backlog.Oldest,
                backlog.Oldest is { } oldest ? Math.Max(0, Math.Round((now - oldest).TotalSeconds, 1)) : null),
            lastRun,
            schedule.NextAfter(now),
            options.Value.ScheduleEnabled ? options.Value.Schedule : BackupOptions.ScheduleOff,
            schedule.Zone.Id,
            destination.Description,
            now,
            // State written before recent runs were kept has only the last run.
            saved.RecentRuns.Count > 0 ? saved.RecentRuns : lastRun is null ? [] : [lastRun],
            layouts.Active.Name)
        {
            DestinationCheck = destinationHealth.Last,
        };
    }
}

internal sealed record StatusReport(
    PendingReport Pending,
    RunSummary? LastRun,
    DateTimeOffset? NextRun,
    string Schedule,
    string TimeZone,
    string Destination,
    DateTimeOffset Now,
    IReadOnlyList<RunSummary> RecentRuns,
    string Layout)
{
    /// <summary>Things a person should act on, shown as banners on the status page (e.g. exposed without keys).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// Only from the <c>status</c> command: <c>service</c> when the schedule and next run are the running service's
    /// (recorded in state.json), <c>settings</c> when they come from the command's own settings. Absent over HTTP,
    /// where the service answers with its own.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ScheduleSource { get; init; }

    /// <summary>Only from the <c>status</c> command: whether a service holds this spool folder now.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? ServiceRunning { get; init; }

    /// <summary>The destination probe's last result (at start-up of <c>serve</c>); null before it finished or when off.</summary>
    public ProbeResult? DestinationCheck { get; init; }
}

internal sealed record PendingReport(int Files, long Bytes, DateTimeOffset? OldestReceivedAt, double? OldestAgeSeconds);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(RestoreReport))]
[JsonSerializable(typeof(ProbeResult))]
[JsonSerializable(typeof(DryRunReport))]
internal sealed partial class StatusJson : JsonSerializerContext;
