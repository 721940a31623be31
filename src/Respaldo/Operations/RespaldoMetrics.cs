using System.Diagnostics.Metrics;
using Respaldo.Backup;

namespace Respaldo.Operations;

/// <summary>
/// The service's own instruments, on one <see cref="Meter"/> named "Respaldo". OpenTelemetry turns the names
/// into Prometheus ones: dots become underscores, the unit is appended ("s" as _seconds, "By" as _bytes) and
/// counters end in _total, so <c>respaldo.intake.duration</c> in seconds is <c>respaldo_intake_duration_seconds</c>.
/// Intake is recorded on every request, so it only adds to lock-free instruments, with at most one tag.
/// </summary>
internal sealed class RespaldoMetrics
{
    public const string MeterName = "Respaldo";

    /// <summary>Intake answers in well under a millisecond unless the disk is slow: the buckets resolve both.</summary>
    private static readonly double[] IntakeBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    private static readonly double[] UploadBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _replayed;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _intakeDuration;
    private readonly Counter<long> _idempotencyEvicted;
    private readonly Counter<long> _backupRuns;
    private readonly Counter<long> _filesUploaded;
    private readonly Counter<long> _filesFailed;
    private readonly Counter<long> _bytesUploaded;
    private readonly Histogram<double> _uploadDuration;
    private readonly Counter<long> _objectsUploaded;
    private readonly Counter<long> _objectBytesUploaded;
    private readonly Counter<long> _restoreRuns;
    private readonly Counter<long> _filesRestored;
    private readonly Counter<long> _restoreFilesFailed;

    public RespaldoMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _accepted = meter.CreateCounter<long>("respaldo.records.accepted", "{record}",
            "Records stored durably and acknowledged with 201.");
        _replayed = meter.CreateCounter<long>("respaldo.records.replayed", "{record}",
            "Retries answered with the original receipt (same Idempotency-Key); nothing new was stored.");
        _rejected = meter.CreateCounter<long>("respaldo.records.rejected", "{record}",
            "Intake requests answered without storing anything, by reason.");
        _intakeDuration = meter.CreateHistogram("respaldo.intake.duration", "s",
            "Time to answer an intake request, from routing to the response, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = IntakeBuckets });
        _idempotencyEvicted = meter.CreateCounter<long>("respaldo.idempotency.evicted", "{key}",
            "Idempotency keys forgotten before their window ended because Intake:IdempotencyMaxEntries or MaxBytes was reached.");
        _backupRuns = meter.CreateCounter<long>("respaldo.backup.runs", "{run}", "Finished backup runs, by outcome.");
        _filesUploaded = meter.CreateCounter<long>("respaldo.backup.files.uploaded", "{file}",
            "Record files uploaded, verified and removed from the spool.");
        _filesFailed = meter.CreateCounter<long>("respaldo.backup.files.failed", "{file}",
            "Record files a run could not back up (they stay spooled), by error kind.");
        _bytesUploaded = meter.CreateCounter<long>("respaldo.backup.uploaded", "By", "Bytes of record files uploaded and verified.");
        _objectsUploaded = meter.CreateCounter<long>("respaldo.backup.objects.uploaded", "{object}",
            "Objects written and verified at the destination: one per record in the Record layout, one per bundle in the Bundle layout.");
        _objectBytesUploaded = meter.CreateCounter<long>("respaldo.backup.objects.uploaded.size", "By",
            "Bytes of objects written and verified (compressed, for bundles).");
        _uploadDuration = meter.CreateHistogram("respaldo.backup.upload.duration", "s",
            "Time of one upload attempt including its verification, successful or not.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = UploadBuckets });
        _restoreRuns = meter.CreateCounter<long>("respaldo.restore.runs", "{run}", "Finished restore runs, by outcome.");
        _filesRestored = meter.CreateCounter<long>("respaldo.restore.files.restored", "{file}", "Record files restored and verified.");
        _restoreFilesFailed = meter.CreateCounter<long>("respaldo.restore.files.failed", "{file}", "Record files a restore could not bring back.");
    }

    public void RecordAccepted(TimeSpan elapsed)
    {
        _accepted.Add(1);
        _intakeDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", "accepted"));
    }

    public void RecordReplayed(TimeSpan elapsed)
    {
        _replayed.Add(1);
        _intakeDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", "replayed"));
    }

    /// <param name="reason">One of the constant strings of <see cref="IntakeTelemetry"/>, never request data.</param>
    public void RecordRejected(string reason, TimeSpan elapsed)
    {
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
        _intakeDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", "rejected"));
    }

    public void IdempotencyKeyEvicted() => _idempotencyEvicted.Add(1);

    /// <summary>One verified object: its record files left the spool.</summary>
    public void ObjectUploaded(int files, long bytes, long objectBytes)
    {
        _filesUploaded.Add(files);
        _bytesUploaded.Add(bytes);
        _objectsUploaded.Add(1);
        _objectBytesUploaded.Add(objectBytes);
    }

    public void FilesFailed(ErrorKind kind, int count = 1) =>
        _filesFailed.Add(count, new KeyValuePair<string, object?>("error", Snake(kind)));

    public void UploadAttempted(TimeSpan elapsed) => _uploadDuration.Record(elapsed.TotalSeconds);

    public void BackupRunFinished(RunSummary summary) =>
        _backupRuns.Add(1, new KeyValuePair<string, object?>("outcome", Snake(summary.Outcome)));

    public void RestoreRunFinished(RunSummary summary)
    {
        _restoreRuns.Add(1, new KeyValuePair<string, object?>("outcome", Snake(summary.Outcome)));
        _filesRestored.Add(summary.Uploaded);
        _restoreFilesFailed.Add(summary.Failed);
    }

    /// <summary>Prometheus label values are conventionally snake_case: PartiallyFailed becomes partially_failed.</summary>
    internal static string Snake<T>(T value) where T : struct, Enum => SnakeNames<T>.Of(value);

    private static class SnakeNames<T> where T : struct, Enum
    {
        private static readonly Dictionary<T, string> Names = Enum.GetValues<T>().ToDictionary(v => v, v =>
            string.Concat(v.ToString().Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString())));

        public static string Of(T value) => Names.TryGetValue(value, out var name) ? name : value.ToString();
    }
}
