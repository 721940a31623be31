using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Respaldo.Operations;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// One backup run: takes the list of complete record files at its start (files written later wait for the next
/// run), has the layout pack them into upload units (one file each, or bundles), uploads the units with bounded
/// concurrency and retries, and deletes each local file only after the destination proved it holds the object
/// that contains it — here, in one place, for every layout. A unit that still fails keeps its files for the next
/// run; one failing file or unit never stops the others, and any exception but cancellation is counted as that
/// unit's failure. A killed run loses nothing: its files are still spooled, and uploading them again writes
/// identical bytes to the same keys (the bundle layout fixes its units durably before uploading them).
/// </summary>
internal sealed class BackupRunner(
    RecordSpool spool, IBackupDestination destination, BackupLayouts layouts, BackupState state, IOptions<BackupOptions> options,
    IOptions<SpoolOptions> spoolOptions, SpoolFileThreads fileThreads, DestinationHints hints, TimeProvider time, ILogger<BackupRunner> logger,
    RespaldoMetrics metrics)
{
    /// <summary>
    /// Deletions in flight for one verified object (a bundle holds thousands of files), one per spool file thread. An
    /// unlink that frees a data block waits on the disk (on a disk mounted with <c>discard</c>, for the discard), so
    /// several at once go faster: 10,000 deletions on this machine's root disk took a median 13.2 s one at a time,
    /// 2.1 s four at a time, 1.7 s eight at a time and 1.8 s sixteen at a time (bench/RESULTS.md, 2026-11-30 11:16).
    /// </summary>
    private const int DeletesInFlight = SpoolFileThreads.Count;

    private readonly BackupOptions _options = options.Value;
    private readonly IBackupLayout _layout = layouts.Active;

    public string Destination => destination.Description;

    public string Layout => _layout.Name;

    /// <summary>What a run would do now: each object it would write. Changes nothing.</summary>
    public IEnumerable<PlannedObject> Plan() => _layout.Plan(spool.ListPending());

    /// <exception cref="BackupBusyException">Another run (in any process) kept the lock past <see cref="BackupOptions.LockTimeout"/>.</exception>
    /// <param name="runId">The run's id in the summary and the logs; <c>POST /backup</c> passes the id it answers with, so the two agree.</param>
    public async Task<RunSummary> RunAsync(string trigger, IProgress<RunProgress>? progress = null, CancellationToken ct = default, string? runId = null)
    {
        using var held = await BackupLock.TryAcquireAsync(spoolOptions.Value.StatePath, _options.LockTimeout, time, ct)
            ?? throw new BackupBusyException($"Another backup run is in progress for {spool.Directory}; it was not started again.");
        runId ??= Guid.CreateVersion7().ToString("N")[^12..];
        using var activity = RespaldoTracing.StartRun("backup", runId, trigger, destination.Description);
        using var logScope = logger.BeginRunScope(runId);
        var startedAt = time.GetUtcNow();
        logger.BackupStarted(runId, trigger, destination.Description);

        var units = _layout.Pack(spool.ListPending());
        var tally = new RunTally(units.Files, progress, metrics, hints.For);
        var reader = new SpoolFileReader(spool, tally, fileThreads, logger);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await Parallel.ForEachAsync(units.Units,
                new ParallelOptions { MaxDegreeOfParallelism = _layout.UnitsInFlight, CancellationToken = abort.Token },
                async (unit, token) => await BackUpUnitAsync(unit, reader, tally, abort, token));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Stopped early because the destination kept failing; the files not tried stay spooled.
            tally.Abandon($"Stopped after {_options.AbortAfterConsecutiveFailures} uploads in a row failed; the destination looks unreachable.");
        }

        var summary = tally.ToSummary(runId, trigger, destination.Description, _layout.Name, startedAt, time.GetUtcNow());
        state.Update(s => s.WithRun(summary));
        metrics.BackupRunFinished(summary);
        RespaldoTracing.Finish(activity, summary);
        logger.BackupFinished(runId, summary.Outcome, summary.Uploaded, summary.Failed, summary.Skipped, summary.Bytes, summary.Seconds);
        foreach (var error in summary.FirstErrors)
        {
            logger.BackupFileFailed(runId, error);
        }
        return summary;
    }

    private async Task BackUpUnitAsync(UploadUnit unit, ISpoolFileReader reader, RunTally tally, CancellationTokenSource abort, CancellationToken ct)
    {
        PreparedUnit? prepared;
        try
        {
            prepared = await _layout.PrepareAsync(unit, reader, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var failure = e as BackupException ?? new BackupException(ErrorKind.LocalIo, $"Preparing the upload of {unit.Files.Count} file(s) failed: {e.Message}", e);
            tally.Fail(unit.Files.Select(f => f.Id), failure, upload: false, out var inSummary);
            logger.BackupUnitFailed(inSummary, unit.Files.Count > 0 ? unit.Files[0].Path : spool.Directory, failure.Kind, failure.Message);
            return;
        }
        if (prepared is null)
        {
            return;
        }

        if (!prepared.AlreadyStored)
        {
            using var upload = RespaldoTracing.StartUpload(prepared.Key, prepared.Body.Length);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await UploadTimedAsync(prepared, ct);
                    break;
                }
                catch (BackupException e) when (e.IsTransient && attempt < _options.MaxAttempts)
                {
                    tally.Retried(e.Kind);
                    await Task.Delay(Backoff(attempt), time, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    var failure = e as BackupException ?? S3Errors.Classify(e);
                    RespaldoTracing.Failed(upload, failure);
                    if (tally.Fail(prepared.Files.Select(f => f.Id), failure, upload: true) >= _options.AbortAfterConsecutiveFailures)
                    {
                        await abort.CancelAsync();
                    }
                    return;
                }
            }
        }

        // Only now: the destination proved it holds the object with exactly these files' bytes.
        // On the backup's own threads (an unlink waits on the disk; see SpoolFileThreads), DeletesInFlight at a time,
        // each taking every DeletesInFlight-th file.
        var files = prepared.Files;
        var lanes = Math.Min(DeletesInFlight, files.Count);
        var deleted = (await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => fileThreads.Run(() => DeleteLane(files, lane, lanes, tally))))).Sum();
        tally.Uploaded(deleted, prepared.RecordBytes, prepared.AlreadyStored ? 0 : prepared.Body.Length);
        if (deleted == prepared.Files.Count)
        {
            try
            {
                _layout.Complete(prepared);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Harmless: the next run finds the unit's files gone, proves the object stored and completes it then.
                logger.BackupUnitFailed(inSummary: false, prepared.Manifest ?? prepared.Key, ErrorKind.LocalIo, e.Message);
            }
        }
    }

    /// <returns>How many of the lane's files were deleted; each one that could not be is that file's failure.</returns>
    private int DeleteLane(IReadOnlyList<SpooledFile> files, int lane, int lanes, RunTally tally)
    {
        var deleted = 0;
        for (var i = lane; i < files.Count; i += lanes)
        {
            var file = files[i];
            try
            {
                spool.Delete(file);
                deleted++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                tally.Fail([file.Id], new BackupException(ErrorKind.LocalIo, $"Uploaded, but deleting {file.Path} failed (it stays spooled): {e.Message}", e),
                    upload: false, out var inSummary);
                logger.BackupUnitFailed(inSummary, file.Path, ErrorKind.LocalIo, e.Message);
            }
        }
        return deleted;
    }

    private async Task UploadTimedAsync(PreparedUnit unit, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        try
        {
            await destination.UploadAsync(unit.Key, unit.Body, unit.Sha256, unit.ContentType, ct);
        }
        finally
        {
            metrics.UploadAttempted(time.GetElapsedTime(started));
        }
    }

    /// <summary>Exponential backoff with full jitter, so retries from many uploads spread out instead of colliding.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(_options.RetryMaxDelay.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}

internal sealed record RunProgress(int Files, int Uploaded, int Failed, int Skipped, long Bytes)
{
    public int Done => Uploaded + Failed + Skipped;
}
