using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// One object per record (the default, and the seed's layout): <c>{prefix}/{yyyy}/{MM}/{dd}/{id}.json</c> holding
/// exactly the record file's bytes. The key follows from the id alone, so a re-upload after a crash overwrites
/// identical bytes and any instance finds any record with one GET.
/// </summary>
internal sealed class RecordLayout(IBackupDestination destination, IOptions<BackupOptions> options) : IBackupLayout
{
    public const string ContentType = "application/json";

    public string Name => nameof(BackupLayout.Record);

    public int UnitsInFlight => options.Value.Concurrency;

    public IEnumerable<PlannedObject> Plan(IReadOnlyList<SpooledFile> pending) =>
        pending.Select(f => new PlannedObject(KeyLayout.KeyFor(destination.Prefix, f.Id), 1, f.Length, f.Path));

    public RunUnits Pack(IReadOnlyList<SpooledFile> pending) => new(pending.Count, pending.Select(f => new UploadUnit([f])));

    public async Task<PreparedUnit?> PrepareAsync(UploadUnit unit, ISpoolFileReader reader, CancellationToken ct)
    {
        var file = unit.Files[0];
        if (await reader.ReadRecordAsync(file) is not { } bytes)
        {
            return null;
        }
        return new PreparedUnit(KeyLayout.KeyFor(destination.Prefix, file.Id), bytes, SHA256.HashData(bytes), ContentType, [file], bytes.Length);
    }

    public void Complete(PreparedUnit unit)
    {
    }

    /// <summary>
    /// The record's object, checked as restore checks it: an object replaced without its SHA-256 metadata (an
    /// <c>aws s3 cp</c> over it) passes the store's own checks, so its bytes must also be a record with this id.
    /// </summary>
    public async Task<byte[]?> TryReadAsync(Guid id, CancellationToken ct)
    {
        var key = KeyLayout.KeyFor(destination.Prefix, id);
        return await destination.DownloadVerifiedAsync(key, ct) is { } body ? Checked(key, id, body) : null;
    }

    public async IAsyncEnumerable<string> ListObjectsAsync(DateOnly? from, DateOnly? to, [EnumeratorCancellation] CancellationToken ct)
    {
        var first = from ?? DateOnly.MinValue;
        var last = to ?? DateOnly.MaxValue;
        foreach (var prefix in KeyLayout.ListingPrefixes(destination.Prefix, from, to, KeyLayout.DayPrefix))
        {
            await foreach (var key in destination.ListKeysAsync(prefix, ct))
            {
                if (KeyLayout.TryParseKey(key, out var id) && DateOnly.FromDateTime(RecordId.Timestamp(id).UtcDateTime) is var day
                    && day >= first && day <= last)
                {
                    yield return key;
                }
            }
        }
    }

    public async Task<IReadOnlyList<(Guid Id, ReadOnlyMemory<byte> Bytes)>> UnpackAsync(string key, CancellationToken ct)
    {
        var body = await destination.DownloadVerifiedAsync(key, ct)
            ?? throw new BackupException(ErrorKind.NotFound, $"{key} is not in {destination.Description}.");
        if (!KeyLayout.TryParseKey(key, out var id))
        {
            throw new BackupException(ErrorKind.Corrupt, $"{key} is not a complete record with the id its name says.");
        }
        return [(id, Checked(key, id, body))];
    }

    private static byte[] Checked(string key, Guid id, byte[] body) => RecordJson.TryParse(body)?.Id == id ? body
        : throw new BackupException(ErrorKind.Corrupt, $"{key} is not a complete record with the id its name says.");
}
