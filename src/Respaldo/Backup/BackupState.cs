using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// What outlives a process: the last run's summary and when the spool was first seen, kept in
/// <c>.respaldo/state.json</c> beside the spool so that the service, a command-line run and <c>status</c> agree,
/// and a service that was down when a run was due knows to catch up.
/// </summary>
internal sealed class BackupState(IOptions<SpoolOptions> spool, ILogger<BackupState> logger)
{
    private readonly Lock _gate = new();
    // A state that could not be written (the spool's disk full or failing) is still reported from memory, so
    // status shows the run that failed for that very reason; the next write that succeeds replaces it.
    private StateFile? _unsaved;
    private string Path => System.IO.Path.Combine(spool.Value.StatePath, "state.json");

    public StateFile Read()
    {
        lock (_gate)
        {
            if (_unsaved is { } unsaved)
            {
                return unsaved;
            }
            try
            {
                return JsonSerializer.Deserialize(File.ReadAllBytes(Path), StateJson.Default.StateFile) ?? new StateFile();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                return new StateFile();
            }
        }
    }

    public void Update(Func<StateFile, StateFile> change)
    {
        lock (_gate)
        {
            var next = change(Read());
            try
            {
                // Durable like every other file Respaldo writes: after a crash or power cut, state.json holds either
                // the previous state or this one, never an empty file that would make a missed run look due or not.
                DurableFile.Write(Path, JsonSerializer.SerializeToUtf8Bytes(next, StateJson.Default.StateFile));
                _unsaved = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Never fail a run (or lose its summary) because its record of itself cannot be written.
                _unsaved = next;
                logger.StateNotSaved(Path, e);
            }
        }
    }
}

internal sealed record StateFile
{
    public DateTimeOffset? FirstSeenAt { get; init; }
    public RunSummary? LastRun { get; init; }

    /// <summary>The last <see cref="MaxRecentRuns"/> runs, oldest first, for the status page's chart.</summary>
    // A state.json written before this list existed lacks it, and the source-generated reader then sets it to
    // null rather than keeping the initializer: an upgraded service would fail every status and backup.
    public List<RunSummary> RecentRuns { get; init => field = value ?? []; } = [];

    public const int MaxRecentRuns = 20;

    /// <summary>
    /// The schedule the service last started with, so that <c>respaldo status</c>, which reads its own settings,
    /// can show the one the running service really uses (it may have been started with other settings).
    /// </summary>
    public ServiceSchedule? Service { get; init; }

    /// <summary>Records a finished run as the last one and appends it to the bounded list of recent runs.</summary>
    public StateFile WithRun(RunSummary run) => this with
    {
        LastRun = run,
        // A state from before the list was kept has only its last run: keep that one in the list too.
        RecentRuns = [.. (RecentRuns.Count == 0 && LastRun is { } last ? [last] : RecentRuns).Append(run).TakeLast(MaxRecentRuns)],
    };
}

/// <summary>A service's schedule (cron text or <c>off</c>) and time zone, and the process that runs it.</summary>
internal sealed record ServiceSchedule(string Schedule, string TimeZone, int ProcessId, DateTimeOffset StartedAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(StateFile))]
[JsonSerializable(typeof(RunSummary))]
internal sealed partial class StateJson : JsonSerializerContext;
