using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Respaldo.Operations;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// One backup run: takes the list of complete record files at its start (files written later wait for the next
/// run), uploads them oldest first with bounded concurrency and retries, and deletes each local file only after
/// the destination proved it holds the same bytes. A file that still fails stays for the next run; one failing
/// file never stops the others. A killed run loses nothing: its files are still spooled, and uploading them
/// again writes identical bytes to the same keys.
/// </summary>
internal sealed class BackupRunner(
    RecordSpool spool, IBackupDestination destination, BackupState state, IOptions<BackupOptions> options,
    IOptions<SpoolOptions> spoolOptions, TimeProvider time, ILogger<BackupRunner> logger, RespaldoMetrics metrics)
{
    private readonly BackupOptions _options = options.Value;

    public string Destination => destination.Description;

    /// <summary>What a run would do now: each spooled file and the key it would go to. Changes nothing.</summary>
    public IEnumerable<(SpooledFile File, string Key)> Plan() =>
        spool.ListPending().Select(f => (f, KeyLayout.KeyFor(destination.Prefix, f.Id)));

    /// <exception cref="BackupBusyException">Another run (in any process) kept the lock past <see cref="BackupOptions.LockTimeout"/>.</exception>
    public async Task<RunSummary> RunAsync(string trigger, IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        using var held = await BackupLock.TryAcquireAsync(spoolOptions.Value.StatePath, _options.LockTimeout, time, ct)
            ?? throw new BackupBusyException($"Another backup run is in progress for {spool.Directory}; it was not started again.");
        var runId = Guid.CreateVersion7().ToString("N")[^12..];
        using var activity = RespaldoTracing.StartRun("backup", runId, trigger, destination.Description);
        using var logScope = logger.BeginRunScope(runId);
        var startedAt = time.GetUtcNow();
        logger.BackupStarted(runId, trigger, destination.Description);

        var files = spool.ListPending();
        var tally = new Tally(files.Count, progress, metrics);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await Parallel.ForEachAsync(files,
                new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = abort.Token },
                async (file, token) => await BackUpOneAsync(file, tally, abort, token));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Stopped early because the destination kept failing; the files not tried stay spooled.
            tally.Abandon(files.Count, $"Stopped after {_options.AbortAfterConsecutiveFailures} files in a row failed; the destination looks unreachable.");
        }

        var summary = tally.ToSummary(runId, trigger, destination.Description, startedAt, time.GetUtcNow());
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

    private async Task BackUpOneAsync(SpooledFile file, Tally tally, CancellationTokenSource abort, CancellationToken ct)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(file.Path, ct);
        }
        catch (FileNotFoundException)
        {
            tally.Skip(); // removed since the listing (e.g. restored elsewhere by hand): nothing to back up
            return;
        }
        catch (IOException e)
        {
            tally.Fail(file.Id, new BackupException(ErrorKind.LocalIo, $"Reading {file.Path} failed: {e.Message}", e));
            return;
        }
        if (RecordJson.TryParse(bytes)?.Id != file.Id)
        {
            // Never upload something that is not a complete record: it is crash debris of a write that was
            // never acknowledged. Keep it aside for a person to look at.
            var target = spool.Quarantine(file.Path);
            logger.RecordQuarantined(file.Path, target);
            tally.Skip(ErrorKind.Corrupt);
            return;
        }

        var sha256 = SHA256.HashData(bytes);
        var key = KeyLayout.KeyFor(destination.Prefix, file.Id);
        using var upload = RespaldoTracing.StartUpload(key, bytes.Length);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await UploadTimedAsync(key, bytes, sha256, ct);
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
                if (tally.Fail(file.Id, failure) >= _options.AbortAfterConsecutiveFailures)
                {
                    await abort.CancelAsync();
                }
                return;
            }
        }

        try
        {
            // Only now: the destination proved it holds exactly these bytes under this key.
            spool.Delete(file);
            tally.Uploaded(bytes.Length);
        }
        catch (IOException e)
        {
            tally.Fail(file.Id, new BackupException(ErrorKind.LocalIo, $"Uploaded, but deleting {file.Path} failed (it will be uploaded again): {e.Message}", e));
        }
    }

    private async Task UploadTimedAsync(string key, byte[] bytes, byte[] sha256, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        try
        {
            await destination.UploadAsync(key, bytes, sha256, ct);
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

    /// <summary>Counts shared by the concurrent uploads of one run.</summary>
    private sealed class Tally(int files, IProgress<RunProgress>? progress, RespaldoMetrics metrics)
    {
        private const int MaxErrorsKept = 10;
        private readonly ConcurrentDictionary<string, int> _errors = new();
        private readonly ConcurrentQueue<string> _firstErrors = new();
        private int _uploaded, _failed, _skipped, _consecutiveFailures;
        private long _bytes;

        public void Uploaded(long bytes)
        {
            Interlocked.Increment(ref _uploaded);
            Interlocked.Add(ref _bytes, bytes);
            Interlocked.Exchange(ref _consecutiveFailures, 0);
            metrics.FileUploaded(bytes);
            Report();
        }

        public void Skip(ErrorKind? kind = null)
        {
            Interlocked.Increment(ref _skipped);
            if (kind is { } k)
            {
                Count(k.ToString());
            }
            Report();
        }

        public void Retried(ErrorKind kind) => Count("retried-" + kind);

        /// <returns>How many files in a row have failed now.</returns>
        public int Fail(Guid id, BackupException error)
        {
            Interlocked.Increment(ref _failed);
            Count(error.Kind.ToString());
            metrics.FilesFailed(error.Kind);
            Keep($"{id}: {error.Kind}: {error.Message}");
            Report();
            return Interlocked.Increment(ref _consecutiveFailures);
        }

        public void Abandon(int total, string reason)
        {
            var untried = total - _uploaded - _failed - _skipped;
            if (untried > 0)
            {
                Interlocked.Add(ref _failed, untried);
                _errors.AddOrUpdate(ErrorKind.Aborted.ToString(), untried, (_, n) => n + untried);
                metrics.FilesFailed(ErrorKind.Aborted, untried);
            }
            Keep(reason);
        }

        public RunSummary ToSummary(string runId, string trigger, string destination, DateTimeOffset started, DateTimeOffset finished) => new()
        {
            RunId = runId,
            Trigger = trigger,
            Destination = destination,
            StartedAt = started,
            FinishedAt = finished,
            Files = files,
            Uploaded = _uploaded,
            Failed = _failed,
            Skipped = _skipped,
            Bytes = _bytes,
            Outcome = _failed == 0 ? RunOutcome.Succeeded : _uploaded > 0 ? RunOutcome.PartiallyFailed : RunOutcome.Failed,
            ErrorsByKind = new(_errors.OrderBy(e => e.Key, StringComparer.Ordinal)),
            FirstErrors = [.. _firstErrors],
        };

        private void Count(string kind) => _errors.AddOrUpdate(kind, 1, (_, n) => n + 1);

        private void Keep(string error)
        {
            if (_firstErrors.Count < MaxErrorsKept)
            {
                _firstErrors.Enqueue(error);
            }
        }

        private void Report() => progress?.Report(new RunProgress(files, _uploaded, _failed, _skipped, Interlocked.Read(ref _bytes)));
    }
}

internal sealed record RunProgress(int Files, int Uploaded, int Failed, int Skipped, long Bytes)
{
    public int Done => Uploaded + Failed + Skipped;
}
