namespace Respaldo.Backup;

/// <summary>
/// Where backed-up objects go: an S3 bucket or a local directory. A destination is transport only: it stores bytes
/// under a key and proves what it stored, reads them back checked against their stored checksum, and lists keys.
/// Which objects exist and what they hold is the layout's business (<see cref="IBackupLayout"/>).
/// </summary>
internal interface IBackupDestination
{
    /// <summary>A description for people and logs, never containing credentials.</summary>
    string Description { get; }

    string Prefix { get; }

    /// <summary>Stores <paramref name="body"/> under <paramref name="key"/> and returns only once it verified what landed.</summary>
    /// <exception cref="BackupException">The upload failed or what landed differs; <see cref="BackupException.Kind"/> says why.</exception>
    Task UploadAsync(string key, ReadOnlyMemory<byte> body, byte[] sha256, string contentType, CancellationToken ct);

    /// <summary>The object's bytes, checked against the checksum stored with it; null when there is no such object.</summary>
    Task<byte[]?> DownloadVerifiedAsync(string key, CancellationToken ct);

    /// <summary>Every object key under <paramref name="keyPrefix"/> (checksum sidecars and temporary files excluded).</summary>
    IAsyncEnumerable<string> ListKeysAsync(string keyPrefix, CancellationToken ct);
}

/// <summary>Why a file could not be backed up, in words a person can act on.</summary>
internal sealed class BackupException(ErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorKind Kind { get; } = kind;

    /// <summary>
    /// Set where the failure itself proves that sending the same bytes again fails the same way (a store that keeps
    /// other bytes or another checksum than it was sent, deterministically): retrying would only repeat it.
    /// </summary>
    public bool Permanent { get; init; }

    public bool IsTransient => !Permanent && Kind is ErrorKind.Throttled or ErrorKind.ServerError or ErrorKind.Timeout
        or ErrorKind.Network or ErrorKind.Verification or ErrorKind.DestinationIo;
}

internal enum ErrorKind
{
    Throttled,
    ServerError,
    Timeout,
    Network,
    Verification,
    DestinationIo,
    AccessDenied,
    Credentials,
    NotFound,
    ClientError,
    LocalIo,
    Corrupt,
    Conflict,
    Aborted,
}
