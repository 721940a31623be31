using System.Collections.Concurrent;
using Respaldo.Operations;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>Counts shared by the concurrent units of one backup run; it becomes the run's summary.</summary>
/// <param name="hints">What to do about an error kind (<see cref="DestinationHints.For"/>); the summary carries one per kind counted.</param>
internal sealed class RunTally(int files, IProgress<RunProgress>? progress, RespaldoMetrics metrics, Func<ErrorKind, string?>? hints = null)
{
    /// <summary>How many errors the summary names (the rest are counted by kind).</summary>
    public const int MaxErrorsKept = 10;
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private readonly ConcurrentQueue<string> _firstErrors = new();
    private int _uploaded, _failed, _skipped, _objects, _consecutiveFailures;
    private long _bytes, _objectBytes;

    /// <param name="files">Record files now removed from the spool because the object holding them is verified.</param>
    /// <param name="objectBytes">Bytes written to the destination (0 when the object was already there).</param>
    public void Uploaded(int files, long bytes, long objectBytes)
    {
        Interlocked.Add(ref _uploaded, files);
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _objectBytes, objectBytes);
        Interlocked.Increment(ref _objects);
        Interlocked.Exchange(ref _consecutiveFailures, 0);
        metrics.ObjectUploaded(files, bytes, objectBytes);
        Report();
    }

    public void Skip(ErrorKind? kind = null)
    {
        Interlocked.Increment(ref _skipped);
        if (kind is { } k)
        {
            Count(k.ToString(), 1);
        }
        Report();
    }

    public void Retried(ErrorKind kind) => Count("retried-" + kind, 1);

    /// <summary>The files failed together (one object); each counts once under the error's kind.</summary>
    /// <param name="upload">
    /// True when the destination failed the upload. Only those count towards "the destination looks unreachable": a
    /// run of unreadable local files must never abort the run for every other file.
    /// </param>
    /// <returns>How many uploads in a row have failed now.</returns>
    public int Fail(IEnumerable<Guid> ids, BackupException error, bool upload = false) => Fail(ids, error, upload, out _);

    /// <param name="inSummary">Whether the summary names this failure among its first errors.</param>
    public int Fail(IEnumerable<Guid> ids, BackupException error, bool upload, out bool inSummary)
    {
        var list = ids.ToList();
        Interlocked.Add(ref _failed, list.Count);
        Count(error.Kind.ToString(), list.Count);
        metrics.FilesFailed(error.Kind, list.Count);
        inSummary = Keep((list.Count == 1 ? $"{list[0]}: " : list.Count > 1 ? $"{list.Count} records from {list[0]}: " : "") + $"{error.Kind}: {error.Message}"
            // Said here, not by the destination: its verification also serves the probe, which has no local file.
            + (error.Kind == ErrorKind.Verification ? list.Count > 1 ? " The local files are kept." : " The local file is kept." : ""));
        Report();
        return upload ? Interlocked.Increment(ref _consecutiveFailures) : Volatile.Read(ref _consecutiveFailures);
    }

    public void Abandon(string reason)
    {
        var untried = files - _uploaded - _failed - _skipped;
        if (untried > 0)
        {
            Interlocked.Add(ref _failed, untried);
            Count(ErrorKind.Aborted.ToString(), untried);
            metrics.FilesFailed(ErrorKind.Aborted, untried);
        }
        Keep(reason);
    }

    public RunSummary ToSummary(string runId, string trigger, string destination, string layout, DateTimeOffset started, DateTimeOffset finished) => new()
    {
        RunId = runId,
        Trigger = trigger,
        Destination = destination,
        Layout = layout,
        StartedAt = started,
        FinishedAt = finished,
        Files = files,
        Uploaded = _uploaded,
        Failed = _failed,
        Skipped = _skipped,
        Bytes = _bytes,
        Objects = _objects,
        ObjectBytes = _objectBytes,
        Outcome = _failed == 0 ? RunOutcome.Succeeded : _uploaded > 0 ? RunOutcome.PartiallyFailed : RunOutcome.Failed,
        ErrorsByKind = new(_errors.OrderBy(e => e.Key, StringComparer.Ordinal)),
        FirstErrors = [.. _firstErrors],
        Hints = DestinationHints.ForKinds(_errors.Keys, hints),
    };

    private void Count(string kind, int n) => _errors.AddOrUpdate(kind, n, (_, c) => c + n);

    private readonly Lock _keep = new();

    private bool Keep(string error)
    {
        lock (_keep)
        {
            if (_firstErrors.Count >= MaxErrorsKept)
            {
                return false;
            }
            _firstErrors.Enqueue(error);
            return true;
        }
    }

    private void Report() => progress?.Report(new RunProgress(files, _uploaded, _failed, _skipped, Interlocked.Read(ref _bytes)));
}

/// <summary>
/// Reads a run's spool files. Every way a single file can fail is that file's alone: gone since the listing is a
/// skip, an incomplete file (crash debris of a write never acknowledged) is quarantined and never uploaded, and any
/// other exception but cancellation (a permission error, a folder where the file should be) is counted as that
/// file's failure with its path in the log, and the run goes on.
/// </summary>
internal sealed class SpoolFileReader(RecordSpool spool, RunTally tally, SpoolFileThreads threads, ILogger logger) : ISpoolFileReader
{
    public Task<byte[]?> ReadRecordAsync(SpooledFile file) => threads.Run(() => ReadRecord(file));

    public void Reject(SpooledFile file, BackupException error)
    {
        tally.Fail([file.Id], error, upload: false, out var inSummary);
        logger.BackupUnitFailed(inSummary, file.Path, error.Kind, error.Message);
    }

    private byte[]? ReadRecord(SpooledFile file)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file.Path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            tally.Skip(); // removed since the listing (e.g. restored elsewhere by hand): nothing to back up
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            tally.Fail([file.Id], new BackupException(ErrorKind.LocalIo, $"Reading {file.Path} failed: {e.Message}", e), upload: false, out var inSummary);
            logger.BackupUnitFailed(inSummary, file.Path, ErrorKind.LocalIo, e.Message);
            return null;
        }
        if (RecordJson.TryParseFile(bytes, file.Id) is not null) // the spool's one complete-record check
        {
            return bytes;
        }
        try
        {
            var target = spool.Quarantine(file.Path);
            logger.RecordQuarantined(file.Path, target);
            tally.Skip(ErrorKind.Corrupt);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            tally.Fail([file.Id], new BackupException(ErrorKind.Corrupt, $"{file.Path} is not a complete record and could not be set aside: {e.Message}", e),
                upload: false, out var inSummary);
            logger.BackupUnitFailed(inSummary, file.Path, ErrorKind.Corrupt, e.Message);
        }
        return null;
    }
}
