using System.ComponentModel.DataAnnotations;
using Respaldo.Hosting;

namespace Respaldo.Backup;

internal sealed class BackupOptions
{
    public const string Section = "Backup";
    public const string ScheduleOff = "off";

    /// <summary><c>s3://bucket[/prefix]</c>, or a local directory path (the default, so it works with no cloud account).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Destination { get; set; } = "data/backup";

    /// <summary>
    /// <c>Record</c>: one object per record (the default). <c>Bundle</c>: gzip NDJSON objects of many records under
    /// hour partitions, for large volumes and for query engines. Records written under either stay readable.
    /// </summary>
    public BackupLayout Layout { get; set; } = BackupLayout.Record;

    /// <summary>Most records in one bundle; a run also starts a new bundle at every UTC hour.</summary>
    [Range(1, 1_000_000)]
    public int BundleMaxRecords { get; set; } = 20_000;

    /// <summary>Most bytes of record files in one bundle (before compression).</summary>
    [Range(1024, 1L << 30)]
    public long BundleMaxBytes { get; set; } = 16L << 20;

    /// <summary>Objects larger than this (large bundles) go to S3 as a multipart upload of parts this size, each with its own SHA-256.</summary>
    [Range(5L << 20, 5L << 30)]
    public long MultipartPartBytes { get; set; } = 16L << 20;

    /// <summary>Cron expression (5 fields, or 6 with seconds) for the in-process schedule, or <c>off</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Schedule { get; set; } = "0 0 * * *";

    /// <summary>IANA time zone the schedule is read in; empty means the machine's local zone.</summary>
    public string? TimeZone { get; set; }

    /// <summary>How long after start-up a run that was missed while the service was down is caught up.</summary>
    [TimeSpanRange("00:00:00", "1.00:00:00")]
    public TimeSpan CatchUpDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Uploads in flight at once.</summary>
    [Range(1, 512)]
    public int Concurrency { get; set; } = 16;

    /// <summary>Attempts per file, the first included, before the file is left for the next run.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First retry delay; each further retry doubles it, with full jitter.</summary>
    [TimeSpanRange("00:00:00", "00:10:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    [TimeSpanRange("00:00:00.001", "01:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Time allowed for one request to the destination before it counts as a (retryable) timeout.</summary>
    [TimeSpanRange("00:00:00.1", "00:30:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a run waits for another run (any process) to release the spool's lock before reporting it busy.</summary>
    [TimeSpanRange("00:00:00", "01:00:00")]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long <c>POST /backup</c> waits for its run before answering 202 with a run to poll (the run goes on either way).</summary>
    [TimeSpanRange("00:00:00", "00:10:00")]
    public TimeSpan RequestWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// After this many files in a row fail with no success in between (network errors, timeouts), the run
    /// stops early and reports the destination unreachable instead of retrying every remaining file.
    /// </summary>
    [Range(1, 100_000)]
    public int AbortAfterConsecutiveFailures { get; set; } = 32;

    /// <summary>S3 endpoint for S3-compatible stores; default: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS itself.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>AWS region; default: the standard AWS chain (AWS_REGION, profile), or us-east-1 with a custom endpoint.</summary>
    public string? Region { get; set; }

    /// <summary>Path-style addressing (http://host/bucket/key); default: on with a custom endpoint, off for AWS.</summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>
    /// <c>Chunked</c> (the AWS SDK default: aws-chunked body with a trailing SHA-256) or <c>Plain</c> (a plain
    /// body with a precomputed SHA-256 and Content-MD5 header) for S3-compatible servers that mishandle aws-chunked.
    /// </summary>
    public PayloadMode PayloadMode { get; set; } = PayloadMode.Chunked;

    /// <summary>
    /// <c>Auto</c>: the SHA-256 the store validated and echoed, or the ETag where the store's answer shows it is the MD5
    /// (not with SSE-KMS, SSE-C or multipart), else a HEAD where that can prove more, else a download.
    /// <c>Head</c>: always a HEAD, then a download if it proves nothing. <c>Download</c>: always compare bytes.
    /// </summary>
    public VerifyMode Verify { get; set; } = VerifyMode.Auto;

    /// <summary>
    /// Whether the store computes the SHA-256 it echoes from the bytes it received and refuses a mismatch, so that an
    /// echoed checksum proves the upload. Default: yes for AWS S3 itself, no with a custom endpoint (moto, for one,
    /// keeps the checksum the client announced). Set true for S3-compatible stores known to validate (e.g. MinIO).
    /// </summary>
    public bool? StoreValidatesChecksums { get; set; }

    /// <summary>Server-side encryption: empty, <c>AES256</c> or <c>aws:kms</c>.</summary>
    [RegularExpression("^(|AES256|aws:kms)$", ErrorMessage = "must be empty, AES256 or aws:kms.")]
    public string? ServerSideEncryption { get; set; }

    /// <summary>KMS key id or ARN with <c>aws:kms</c>; empty uses the bucket's default key.</summary>
    public string? KmsKeyId { get; set; }

    /// <summary>S3 storage class, e.g. STANDARD, STANDARD_IA, GLACIER_IR; empty uses the bucket's default.</summary>
    public string? StorageClass { get; set; }

    /// <summary>
    /// At <c>serve</c> start-up, write and verify one probe object under the prefix in the background, so a wrong
    /// bucket, endpoint or credential shows in the log, <c>/healthz</c> and the status page right away.
    /// </summary>
    public bool ProbeAtStart { get; set; } = true;

    public bool ScheduleEnabled => !string.Equals(Schedule, ScheduleOff, StringComparison.OrdinalIgnoreCase);
}

internal enum BackupLayout { Record, Bundle }

internal enum PayloadMode { Chunked, Plain }

internal enum VerifyMode { Auto, Head, Download }
