using System.Security.Cryptography;
using Respaldo.Operations;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// Downloads backed-up records into a folder under their file names, verifying each against the checksum
/// stored with it, and never overwriting an existing file that differs.
/// </summary>
internal sealed class RestoreRunner(IBackupDestination destination, TimeProvider time, ILogger<RestoreRunner> logger, RespaldoMetrics metrics)
{
    public const string Trigger = "restore";

    public async Task<RunSummary> RunAsync(RestoreRequest request, IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        var startedAt = time.GetUtcNow();
        var runId = Guid.CreateVersion7().ToString("N")[^12..];
        using var activity = RespaldoTracing.StartRun("restore", runId, Trigger, destination.Description);
        using var logScope = logger.BeginRunScope(runId);
        SpoolFolder.CreatePrivate(request.Into);
        int files = 0, restored = 0, failed = 0, skipped = 0;
        long bytes = 0;
        var errors = new Dictionary<string, int>();
        var firstErrors = new List<string>();

        await foreach (var key in KeysAsync(request, ct))
        {
            files++;
            try
            {
                switch (await RestoreOneAsync(key, request.Into, ct))
                {
                    case long written:
                        restored++;
                        bytes += written;
                        break;
                    default:
                        skipped++; // already there with identical bytes
                        break;
                }
            }
            catch (BackupException e)
            {
                failed++;
                errors[e.Kind.ToString()] = errors.GetValueOrDefault(e.Kind.ToString()) + 1;
                if (firstErrors.Count < 10)
                {
                    firstErrors.Add($"{key}: {e.Kind}: {e.Message}");
                }
            }
            progress?.Report(new RunProgress(files, restored, failed, skipped, bytes));
        }

        var summary = new RunSummary
        {
            RunId = runId,
            Trigger = Trigger,
            Destination = destination.Description,
            StartedAt = startedAt,
            FinishedAt = time.GetUtcNow(),
            Files = files,
            Uploaded = restored,
            Failed = failed,
            Skipped = skipped,
            Bytes = bytes,
            Outcome = failed == 0 ? RunOutcome.Succeeded : restored > 0 ? RunOutcome.PartiallyFailed : RunOutcome.Failed,
            ErrorsByKind = errors,
            FirstErrors = firstErrors,
        };
        logger.RestoreFinished(runId, summary.Outcome, restored, failed, skipped, request.Into);
        metrics.RestoreRunFinished(summary);
        RespaldoTracing.Finish(activity, summary);
        return summary;
    }

    /// <returns>The bytes written, or null when an identical file was already there.</returns>
    private async Task<long?> RestoreOneAsync(string key, string into, CancellationToken ct)
    {
        var body = await destination.DownloadVerifiedAsync(key, ct)
            ?? throw new BackupException(ErrorKind.NotFound, $"{key} is not in {destination.Description}.");
        if (!KeyLayout.TryParseKey(key, out var id) || RecordJson.TryParse(body)?.Id != id)
        {
            throw new BackupException(ErrorKind.Corrupt, $"{key} is not a complete record with the id its name says.");
        }
        var target = Path.Combine(into, RecordId.FileName(id));
        if (File.Exists(target))
        {
            var existing = await File.ReadAllBytesAsync(target, ct);
            return SHA256.HashData(existing).AsSpan().SequenceEqual(SHA256.HashData(body))
                ? null
                : throw new BackupException(ErrorKind.Conflict, $"{target} exists with different content; it was left as it is.");
        }
        var temp = Path.Combine(into, SpoolFolder.TempName(id));
        await using (var file = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            await file.WriteAsync(body, ct);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, target, overwrite: false);
        return body.Length;
    }

    private async IAsyncEnumerable<string> KeysAsync(RestoreRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (request.Id is { } id)
        {
            yield return KeyLayout.KeyFor(destination.Prefix, id);
            yield break;
        }
        var from = request.From ?? DateOnly.MinValue;
        var to = request.To ?? DateOnly.MaxValue;
        // A bounded range is listed day by day, so restoring one week of a ten-year bucket lists one week.
        IEnumerable<string> prefixes = request.From is { } f && request.To is { } t && t.DayNumber - f.DayNumber <= 400
            ? Enumerable.Range(0, t.DayNumber - f.DayNumber + 1).Select(d => KeyLayout.DayPrefix(destination.Prefix, f.AddDays(d)))
            : [destination.Prefix.Length == 0 ? "" : destination.Prefix + "/"];
        foreach (var prefix in prefixes)
        {
            await foreach (var key in destination.ListKeysAsync(prefix, ct))
            {
                if (KeyLayout.TryParseKey(key, out var keyId)
                    && DateOnly.FromDateTime(RecordId.Timestamp(keyId).UtcDateTime) is var day && day >= from && day <= to)
                {
                    yield return key;
                }
            }
        }
    }
}

/// <summary>Which records to restore, and where to. Dates are UTC receipt days, both ends included.</summary>
internal sealed record RestoreRequest(string Into, DateOnly? From = null, DateOnly? To = null, Guid? Id = null);
