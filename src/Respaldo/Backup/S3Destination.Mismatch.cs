using Amazon.S3.Model;

namespace Respaldo.Backup;

/// <summary>
/// How a failed verification is reported: what differs, and whether the failure proves that sending the same bytes
/// again would fail the same way (then the run does not retry it; see <see cref="BackupException.Permanent"/>).
/// </summary>
internal sealed partial class S3Destination
{
    /// <summary>
    /// An ETag that is not the body's MD5 says the bytes differ, not whether a retry can help: one HEAD tells a store
    /// that keeps another length (it does so every time) from bytes damaged on the way (a retry fixes those).
    /// </summary>
    private async Task<BackupException> WithStoredLengthAsync(string key, int sent, BackupException mismatch, CancellationToken ct)
    {
        try
        {
            var head = await S3Errors.Guard(() => s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = location.Bucket, Key = key }, ct), ct, Endpoint);
            return head.ContentLength == sent ? mismatch : LengthMismatch(key, head.ContentLength, sent, mismatch.Message);
        }
        catch (BackupException)
        {
            return mismatch; // the length is unknown: keep the failure retryable
        }
    }

    // No "the local file is kept" here: the probe verifies through the same upload and has no local file; the run's
    // summary says it where a file is kept (RunTally).
    private static BackupException Mismatch(string key, string why, bool permanent = false) =>
        new(ErrorKind.Verification, $"Verification of {key} failed: {why}.") { Permanent = permanent };

    /// <summary>
    /// A store that answered success but holds another number of bytes did not keep the body it was sent: damage in
    /// transit changes bytes, not the length HTTP framed them with. Stores that keep aws-chunked framing as the body
    /// do this to every upload, so a retry would only repeat it.
    /// </summary>
    private static BackupException LengthMismatch(string key, long stored, long sent, string? first = null) =>
        new(ErrorKind.Verification, (first is null ? $"Verification of {key} failed: " : first.TrimEnd('.') + "; ")
            + $"the store holds {stored} bytes where {sent} were sent, so it keeps something other than the body, and would on every attempt.")
        { Permanent = true };
}
