using System.Runtime.CompilerServices;
using Respaldo.Operations;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// Brings backed-up records back as files in a folder under their file names: every layout lists its objects for the
/// requested days (or finds the one id), each object is verified against its stored checksum and unpacked, and each
/// record is written durably (DurableFile: unique temporary name removed on any failure, data and folder fsynced), never
/// overwriting an existing file that differs. Every error is that object's or that record's alone: counted by kind, and
/// the restore goes on. A temporary file left by a killed restore has a unique name and never blocks a later one.
/// </summary>
internal sealed class RestoreRunner(
    IBackupDestination destination, BackupLayouts layouts, DestinationHints hints, TimeProvider time, ILogger<RestoreRunner> logger, RespaldoMetrics metrics)
{
    public const string Trigger = "restore";

    public async Task<RunSummary> RunAsync(RestoreRequest request, IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        var startedAt = time.GetUtcNow();
        var runId = Guid.CreateVersion7().ToString("N")[^12..];
        using var activity = RespaldoTracing.StartRun("restore", runId, Trigger, destination.Description);
        using var logScope = logger.BeginRunScope(runId);
        var tally = new Counts();
        try
        {
            SpoolFolder.CreatePrivate(request.Into);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            tally.Fail(request.Into, new BackupException(ErrorKind.LocalIo, $"Cannot create {request.Into}: {e.Message}", e));
        }

        if (tally.Failed == 0 && request.Id is { } only)
        {
            // One id: whichever layout holds it (a destination may hold both), found without listing.
            tally.Files++;
            try
            {
                var bytes = await layouts.TryReadAsync(only, ct)
                    ?? throw new BackupException(ErrorKind.NotFound, $"Record {only} is not in {destination.Description}.");
                tally.Objects++;
                Restore(only, bytes, request.Into, tally);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                tally.Fail(only.ToString(), e as BackupException ?? new BackupException(ErrorKind.LocalIo, e.Message, e));
            }
            progress?.Report(new RunProgress(tally.Files, tally.Restored, tally.Failed, tally.Skipped, tally.Bytes));
        }
        else if (tally.Failed == 0)
        {
            await foreach (var (layout, key) in ObjectsAsync(request, tally, ct))
            {
                IReadOnlyList<(Guid Id, ReadOnlyMemory<byte> Bytes)> records;
                try
                {
                    records = await layout.UnpackAsync(key, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    tally.Files++;
                    tally.Fail(key, e as BackupException ?? new BackupException(ErrorKind.Corrupt, $"Reading {key} failed: {e.Message}", e));
                    continue;
                }
                foreach (var (id, bytes) in records.Where(r => request.Wants(r.Id)))
                {
                    tally.Files++;
                    try
                    {
                        Restore(id, bytes.Span, request.Into, tally);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // Named by the record, as with --id: the message names the file, so a path here would say it twice.
                        tally.Fail(id.ToString(),
                            e as BackupException ?? new BackupException(ErrorKind.LocalIo, $"Writing {RecordId.FileName(id)} failed: {e.Message}", e));
                    }
                    progress?.Report(new RunProgress(tally.Files, tally.Restored, tally.Failed, tally.Skipped, tally.Bytes));
                }
            }
        }

        var summary = new RunSummary
        {
            RunId = runId,
            Trigger = Trigger,
            Destination = destination.Description,
            StartedAt = startedAt,
            FinishedAt = time.GetUtcNow(),
            Files = tally.Files,
            Uploaded = tally.Restored,
            Failed = tally.Failed,
            Skipped = tally.Skipped,
            Bytes = tally.Bytes,
            Objects = tally.Objects,
            Outcome = tally.Failed == 0 ? RunOutcome.Succeeded : tally.Restored > 0 ? RunOutcome.PartiallyFailed : RunOutcome.Failed,
            ErrorsByKind = tally.Errors,
            FirstErrors = tally.FirstErrors,
            // The same advice a backup run and check give for the same failure (a missing bucket, denied credentials).
            Hints = DestinationHints.ForKinds(tally.Errors.Keys, hints.For),
        };
        foreach (var error in summary.FirstErrors)
        {
            logger.RestoreFailed(runId, error);
        }
        logger.RestoreFinished(runId, summary.Outcome, tally.Restored, tally.Failed, tally.Skipped, request.Into);
        metrics.RestoreRunFinished(summary);
        RespaldoTracing.Finish(activity, summary);
        return summary;
    }

    private static void Restore(Guid id, ReadOnlySpan<byte> body, string into, Counts tally)
    {
        var target = Path.Combine(into, RecordId.FileName(id));
        if (File.Exists(target))
        {
            if (!File.ReadAllBytes(target).AsSpan().SequenceEqual(body))
            {
                throw new BackupException(ErrorKind.Conflict, $"{target} exists with different content; it was left as it is.");
            }
            tally.Skipped++; // already there with identical bytes
            return;
        }
        // overwrite: false, so a file created meanwhile (or a folder in its place) is never replaced.
        DurableFile.Write(target, body.ToArray(), overwrite: false); // one record: a copy costs nothing
        tally.Restored++;
        tally.Bytes += body.Length;
    }

    /// <summary>The objects to unpack, with the layout that reads them; a failing listing is counted and the others go on.</summary>
    private async IAsyncEnumerable<(IBackupLayout Layout, string Key)> ObjectsAsync(RestoreRequest request, Counts tally, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var layout in layouts.Readers)
        {
            var keys = new List<string>();
            try
            {
                await foreach (var key in layout.ListObjectsAsync(request.From, request.To, ct))
                {
                    keys.Add(key);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                tally.Fail($"the {layout.Name} listing", e as BackupException ?? new BackupException(ErrorKind.DestinationIo, e.Message, e));
            }
            foreach (var key in keys)
            {
                tally.Objects++;
                yield return (layout, key);
            }
        }
    }

    private sealed class Counts
    {
        public int Files, Restored, Failed, Skipped, Objects;
        public long Bytes;
        public Dictionary<string, int> Errors { get; } = [];
        public List<string> FirstErrors { get; } = [];

        public void Fail(string what, BackupException e)
        {
            Failed++;
            Errors[e.Kind.ToString()] = Errors.GetValueOrDefault(e.Kind.ToString()) + 1;
            if (FirstErrors.Count < 10)
            {
                FirstErrors.Add($"{what}: {e.Kind}: {e.Message}");
            }
        }
    }
}

/// <summary>Which records to restore, and where to. Dates are UTC receipt days, both ends included.</summary>
internal sealed record RestoreRequest(string Into, DateOnly? From = null, DateOnly? To = null, Guid? Id = null)
{
    public bool Wants(Guid id)
    {
        if (Id is { } only)
        {
            return id == only;
        }
        var day = DateOnly.FromDateTime(RecordId.Timestamp(id).UtcDateTime);
        return day >= (From ?? DateOnly.MinValue) && day <= (To ?? DateOnly.MaxValue);
    }
}
