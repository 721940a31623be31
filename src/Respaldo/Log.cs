namespace Respaldo;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Spool {Directory} ready: removed {TempFiles} leftover temporary files, set aside {Quarantined} incomplete record files")]
    public static partial void SpoolRecovered(this ILogger logger, string directory, int tempFiles, int quarantined);

    /// <summary>No stack trace: a load balancer polls /healthz every few seconds, and the reason is one sentence.</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check: the spool folder {Directory} is not writable: {Reason}")]
    public static partial void SpoolNotWritable(this ILogger logger, string directory, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rescanning the spool failed")]
    public static partial void SpoolRescanFailed(this ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} is not a complete record (crash debris, never acknowledged); moved to {Target}")]
    public static partial void RecordQuarantined(this ILogger logger, string path, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} refused with {Status}: {Reason}")]
    public static partial void RequestRefused(this ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed with {Status}")]
    public static partial void RequestFailed(this ILogger logger, string method, string path, int status, Exception exception);
}

internal static partial class BackupLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Backup run {RunId} ({Trigger}) started to {Destination}")]
    public static partial void BackupStarted(this ILogger logger, string runId, string trigger, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backup run {RunId} finished: {Outcome}; {Uploaded} uploaded, {Failed} failed, {Skipped} skipped, {Bytes} bytes in {Seconds} s")]
    public static partial void BackupFinished(this ILogger logger, string runId, Backup.RunOutcome outcome, int uploaded, int failed, int skipped, long bytes, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backing up {Path} failed ({Kind}): {Error}")]
    public static partial void BackupUnitFailed(this ILogger logger, string path, Backup.ErrorKind kind, string error);

    /// <summary>The same failure, but one the run's summary does not name (it names only its first errors).</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "Backing up {Path} failed ({Kind}): {Error}")]
    public static partial void BackupUnitFailedNotInSummary(this ILogger logger, string path, Backup.ErrorKind kind, string error);

    /// <summary>
    /// A failed file or unit, logged as <see cref="BackupUnitFailed"/> when the run's summary names it too (the verbs
    /// leave those out of stderr, since they print the summary) and as <see cref="BackupUnitFailedNotInSummary"/>
    /// otherwise, so that every failure is named somewhere.
    /// </summary>
    public static void BackupUnitFailed(this ILogger logger, bool inSummary, string path, Backup.ErrorKind kind, string error)
    {
        if (inSummary)
        {
            logger.BackupUnitFailed(path, kind, error);
        }
        else
        {
            logger.BackupUnitFailedNotInSummary(path, kind, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bundle {Key} was never stored and some of its files were removed by someone else; its manifest {Manifest} is dropped and the remaining files go into a new bundle")]
    public static partial void BundleReleased(this ILogger logger, string key, string manifest);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bundle manifest {Path} cannot be read ({Error}); its files may be bundled again. Inspect it, then remove it")]
    public static partial void BundleManifestUnreadable(this ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backup run {RunId}: {Error}")]
    public static partial void BackupFileFailed(this ILogger logger, string runId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not save the backup state to {Path}; status reports it from memory until a save succeeds")]
    public static partial void StateNotSaved(this ILogger logger, string path, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The backup schedule is off (Backup:Schedule=off); run backups with the 'backup' command or POST /backup")]
    public static partial void ScheduleOff(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Next scheduled backup at {Next:o}")]
    public static partial void NextRunAt(this ILogger logger, DateTimeOffset next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A scheduled backup was missed while the service was down (last run {LastRun:o}); catching up in {Delay}")]
    public static partial void CatchingUp(this ILogger logger, DateTimeOffset lastRun, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled backup skipped: {Reason}")]
    public static partial void ScheduledRunSkipped(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduled backup failed; the files stay spooled and the next run retries them")]
    public static partial void ScheduledRunFailed(this ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restore run {RunId}: {Error}")]
    public static partial void RestoreFailed(this ILogger logger, string runId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Destination {Destination} took and verified the probe object {Key}")]
    public static partial void DestinationProbeSucceeded(this ILogger logger, string destination, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destination check failed: {Problem} Intake goes on; records stay spooled until a backup succeeds.")]
    public static partial void DestinationProbeFailed(this ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restore run {RunId} finished: {Outcome}; {Restored} restored, {Failed} failed, {Skipped} already present, into {Into}")]
    public static partial void RestoreFinished(this ILogger logger, string runId, Backup.RunOutcome outcome, int restored, int failed, int skipped, string into);
}
