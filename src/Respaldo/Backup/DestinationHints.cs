using Microsoft.Extensions.Options;

namespace Respaldo.Backup;

/// <summary>
/// What an operator should do about each kind of destination failure, in one place: <c>check</c> (through the
/// destination probe), the backup run's summary (CLI, <c>POST /backup</c>, <c>/status</c>, the status page) and the
/// start-up probe's banner all say the same thing for the same failure. The advice depends on the destination (a
/// folder has no credentials) and on the settings already in force (no point advising a payload mode already set).
/// </summary>
internal sealed class DestinationHints(IBackupDestination destination, IOptions<BackupOptions> options)
{
    private bool IsS3 => destination is S3Destination;

    /// <summary>
    /// The advice for a run's counted error kinds (the keys of its <c>ErrorsByKind</c>; "retried-…" and other counts
    /// that are no kind give none), each sentence once, in kind order: what a backup and a restore summary carry.
    /// </summary>
    public static List<string> ForKinds(IEnumerable<string> kinds, Func<ErrorKind, string?>? hint) =>
        [.. kinds.Order(StringComparer.Ordinal)
            .Select(k => Enum.TryParse<ErrorKind>(k, out var kind) ? hint?.Invoke(kind) : null).OfType<string>().Distinct()];

    /// <returns>One sentence, or null when the error's own message already says all there is to do.</returns>
    public string? For(ErrorKind kind) => (kind, IsS3) switch
    {
        (ErrorKind.AccessDenied, true) =>
            "Check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the instance role) and grant them s3:PutObject and s3:GetObject on the prefix.",
        (ErrorKind.NotFound, true) => "Create the bucket, or fix the bucket name in Backup:Destination.",
        (ErrorKind.Network, true) => "Check the endpoint (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or Backup:ServiceUrl) and the network.",
        // Not "the store kept other bytes": a store may hold the bytes intact and answer a wrong checksum for them.
        (ErrorKind.Verification, true) when options.Value.PayloadMode != PayloadMode.Plain =>
            "The store's answer did not prove it holds the bytes sent; an S3-compatible store that mishandles aws-chunked uploads (their framing or trailing checksum) needs Backup:PayloadMode=Plain.",
        (ErrorKind.Verification, true) => "The store's answer did not prove it holds the bytes sent; check the store, or a proxy in front of it.",
        (ErrorKind.DestinationIo, false) => "Give the service's user write access to the folder, or set Backup:Destination to one it can write.",
        _ => null,
    };
}
