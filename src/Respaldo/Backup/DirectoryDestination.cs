using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// A local directory as the backup destination (the embedded default, so the whole flow works without a cloud
/// account). Same keys as S3, as paths under the root; each object's SHA-256 is kept beside it in <c>{key}.sha256</c>.
/// </summary>
internal sealed class DirectoryDestination(string root) : IBackupDestination
{
    private const string ChecksumSuffix = ".sha256";

    public string Root { get; } = Path.GetFullPath(root);

    public string Description => $"directory {Root}";

    public string Prefix => "";

    public Task UploadAsync(string key, ReadOnlyMemory<byte> body, byte[] sha256, string contentType, CancellationToken ct)
    {
        var path = PathOf(key);
        try
        {
            // Checksum first: an object never exists without the checksum that proves it. DurableFile fsyncs the
            // data, the rename and every folder it had to create, so once this returns the object survives a crash
            // and the caller may delete its source.
            DurableFile.Write(path + ChecksumSuffix, System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(sha256)));
            DurableFile.Write(path, body);
            // Read back through a stream (hashed as it is read): the whole file as one array would be one more
            // large-object-heap allocation per bundle.
            byte[] stored;
            using (var file = File.OpenRead(path))
            {
                stored = SHA256.HashData(file);
            }
            if (!stored.AsSpan().SequenceEqual(sha256))
            {
                throw new BackupException(ErrorKind.Verification, $"Verification of {path} failed: the bytes read back differ.");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file where a folder must be (Backup:Destination pointing at a file) fails the same way every time;
            // .NET says "Could not find a part of the path", which sends a person looking for permissions.
            if (FileInTheWay(path) is { } file)
            {
                throw new BackupException(ErrorKind.DestinationIo,
                    $"Writing {path} failed: {file} is a file, not a folder; set Backup:Destination to a folder.", e) { Permanent = true };
            }
            throw new BackupException(ErrorKind.DestinationIo, $"Writing {path} failed: {e.Message}", e);
        }
        return Task.CompletedTask;
    }

    /// <summary>The nearest existing ancestor of <paramref name="path"/> when it is a file; null otherwise.</summary>
    private static string? FileInTheWay(string path)
    {
        for (var current = Path.GetDirectoryName(path); current is not null; current = Path.GetDirectoryName(current))
        {
            if (File.Exists(current))
            {
                return current;
            }
            if (Directory.Exists(current))
            {
                return null;
            }
        }
        return null;
    }

    public async Task<byte[]?> DownloadVerifiedAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }
        var bytes = await File.ReadAllBytesAsync(path, ct);
        var expected = File.Exists(path + ChecksumSuffix) ? (await File.ReadAllTextAsync(path + ChecksumSuffix, ct)).Trim() : null;
        if (expected is null || !string.Equals(expected, Convert.ToHexStringLower(SHA256.HashData(bytes)), StringComparison.OrdinalIgnoreCase))
        {
            throw new BackupException(ErrorKind.Verification, $"{path} does not match the SHA-256 stored beside it.");
        }
        return bytes;
    }

    public async IAsyncEnumerable<string> ListKeysAsync(string keyPrefix, [EnumeratorCancellation] CancellationToken ct)
    {
        // S3 semantics: every key that starts with the prefix, which may end inside a name ("…/year="). The folder
        // up to the prefix's last '/' is walked, and keys are filtered by the whole prefix.
        var folder = keyPrefix.LastIndexOf('/') is var slash and >= 0 ? keyPrefix[..slash] : "";
        var start = folder.Length == 0 ? Root : PathOf(folder);
        if (!Directory.Exists(start))
        {
            yield break;
        }
        foreach (var file in Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            var name = Path.GetFileName(file);
            if (name.EndsWith(ChecksumSuffix, StringComparison.Ordinal) || DurableFile.IsTemporary(name))
            {
                continue;
            }
            var key = Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (key.StartsWith(keyPrefix, StringComparison.Ordinal))
            {
                yield return key;
            }
        }
        await Task.CompletedTask;
    }

    private string PathOf(string key) => Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar));
}
