using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// A local directory as the backup destination (the embedded default, so the whole flow works without a cloud
/// account). Same key layout as S3; each object's SHA-256 is kept beside it in <c>{key}.sha256</c>.
/// </summary>
internal sealed class DirectoryDestination(string root) : IBackupDestination
{
    private const string ChecksumSuffix = ".sha256";
    private static readonly FileStreamOptions CreateOptions = new()
    {
        Mode = FileMode.Create,
        Access = FileAccess.Write,
        BufferSize = 0,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
    };

    public string Root { get; } = Path.GetFullPath(root);

    public string Description => $"directory {Root}";

    public string Prefix => "";

    public Task UploadAsync(string key, ReadOnlyMemory<byte> body, byte[] sha256, CancellationToken ct)
    {
        var path = PathOf(key);
        try
        {
            var folder = Path.GetDirectoryName(path)!;
            SpoolFolder.CreatePrivate(folder);
            // Checksum first: an object never exists without the checksum that proves it.
            WriteDurably(path + ChecksumSuffix, System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(sha256)));
            WriteDurably(path, body.Span);
            NativeFileSystem.SyncDirectory(folder);
            var stored = File.ReadAllBytes(path);
            if (!SHA256.HashData(stored).AsSpan().SequenceEqual(sha256))
            {
                throw new BackupException(ErrorKind.Verification, $"Verification of {path} failed: the bytes read back differ; the local file is kept.");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(ErrorKind.DestinationIo, $"Writing {path} failed: {e.Message}", e);
        }
        return Task.CompletedTask;
    }

    /// <summary>Temporary name, flush to disk, rename: the destination never holds a partial object.</summary>
    private static void WriteDurably(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + SpoolFolder.TempExtension;
        try
        {
            using (var file = new FileStream(temp, CreateOptions))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
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

    public Task<byte[]?> TryReadAsync(Guid id, CancellationToken ct) => DownloadVerifiedAsync(KeyLayout.KeyFor(Prefix, id), ct);

    public async IAsyncEnumerable<string> ListKeysAsync(string keyPrefix, [EnumeratorCancellation] CancellationToken ct)
    {
        var start = PathOf(keyPrefix.TrimEnd('/'));
        if (!Directory.Exists(start))
        {
            yield break;
        }
        foreach (var file in Directory.EnumerateFiles(start, "*" + RecordId.Extension, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            yield return Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
        }
        await Task.CompletedTask;
    }

    private string PathOf(string key) => Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar));
}
