namespace Respaldo.Spool;

/// <summary>
/// Start-up recovery, the one place that decides what a crash left in the spool: temporary files are removed
/// (never acknowledged, so never records), record files that are not complete records are set aside in the
/// quarantine folder (a rename that reached the disk before its data), and the backlog is loaded.
/// </summary>
/// <remarks>
/// Every file is read whose record is young enough for an <see cref="ISpoolRecoveryObserver"/> to want it (the
/// idempotency window); older files are checked by size only, to keep start-up fast with a large backlog, and the
/// backup checks each file completely before uploading it. One file never stops start-up: a file the service may
/// not read, one removed meanwhile, or one whose quarantine fails is logged with its path and skipped; it stays
/// where it is for the next start-up or run. Only cancellation (the service stopping) ends recovery early.
/// </remarks>
internal sealed class SpoolRecovery(
    RecordSpool spool, IEnumerable<ISpoolRecoveryObserver> observers, TimeProvider time, ILogger<SpoolRecovery> logger)
{
    public RecoveryResult Recover(CancellationToken ct = default)
    {
        var result = new RecoveryResult();
        foreach (var temp in Directory.EnumerateFiles(spool.Directory, "*" + SpoolFolder.TempExtension))
        {
            PerFile(temp, result, ct, () =>
            {
                File.Delete(temp);
                result.TempFilesRemoved++;
            });
        }
        var lookback = observers.Select(o => o.Lookback).DefaultIfEmpty(TimeSpan.Zero).Max();
        var readSince = time.GetUtcNow() - lookback;
        foreach (var file in spool.ListPending())
        {
            PerFile(file.Path, result, ct, () => Check(file, readSince, result));
        }
        spool.Rescan();
        logger.SpoolRecovered(spool.Directory, result.TempFilesRemoved, result.Quarantined);
        if (result.Skipped > 0)
        {
            logger.SpoolFilesSkipped(spool.Directory, result.Skipped);
        }
        return result;
    }

    private void Check(SpooledFile file, DateTimeOffset readSince, RecoveryResult result)
    {
        StoredRecord? record = null;
        if (file.Length > 0)
        {
            if (RecordId.Timestamp(file.Id) < readSince)
            {
                return;
            }
            record = RecordJson.TryParseFile(File.ReadAllBytes(file.Path), file.Id);
        }
        if (record is null)
        {
            logger.RecordQuarantined(file.Path, spool.Quarantine(file.Path));
            result.Quarantined++;
            return;
        }
        foreach (var observer in observers)
        {
            observer.Recovered(record);
        }
    }

    private void PerFile(string path, RecoveryResult result, CancellationToken ct, Action work)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            work();
        }
        catch (FileNotFoundException)
        {
            // Removed since the folder was read (a command-line backup uploaded it): nothing left to recover.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // UnauthorizedAccessException (not an IOException) for a file owned by another user, IOException for a
            // failing disk or quarantine: that file's failure, never the service's.
            logger.SpoolFileSkipped(path, e.GetType().Name, e.Message);
            result.Skipped++;
        }
    }
}

/// <summary>What start-up recovery did.</summary>
internal sealed class RecoveryResult
{
    public int TempFilesRemoved { get; set; }
    public int Quarantined { get; set; }
    public int Skipped { get; set; }
}

/// <summary>A feature that learns from the complete records found at start-up (the idempotency keys).</summary>
internal interface ISpoolRecoveryObserver
{
    /// <summary>How far back records matter to it; records older than this are not read at start-up.</summary>
    TimeSpan Lookback { get; }

    void Recovered(StoredRecord record);
}
