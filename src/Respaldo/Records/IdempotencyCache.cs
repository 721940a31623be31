using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Respaldo.Spool;

namespace Respaldo.Records;

/// <summary>
/// Remembers, for the configured window, which record each <c>Idempotency-Key</c> produced, so a client that
/// timed out and retries gets the original id back and nothing is written twice. Concurrent requests with the
/// same key share one write. The key is stored in the record file, and start-up rebuilds the map from the
/// spool, so a restart keeps it for every record not yet backed up.
/// </summary>
internal sealed class IdempotencyCache(IOptions<IntakeOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _writesSinceSweep;

    public const int MaxKeyLength = 255;

    public static bool IsValidKey(string key) =>
        key.Length is > 0 and <= MaxKeyLength && key.All(c => c is >= '!' and <= '~');

    /// <summary>
    /// Runs <paramref name="write"/> once per key within the window. Returns the receipt and whether this call
    /// wrote it; null when the key was already used for a different record.
    /// </summary>
    public async Task<(Receipt Receipt, bool Replayed)?> GetOrWriteAsync(string key, RecordRequest request, Func<Task<Receipt>> write)
    {
        SweepNowAndThen();
        var fingerprint = Fingerprint(request);
        var now = time.GetUtcNow();
        var mine = new Entry(fingerprint, new Lazy<Task<Receipt>>(write), now);
        var entry = _entries.AddOrUpdate(key, mine, (_, existing) => IsExpired(existing, now) ? mine : existing);
        if (entry.Fingerprint != fingerprint)
        {
            return null;
        }
        try
        {
            return (await entry.Receipt.Value, !ReferenceEquals(entry, mine));
        }
        catch
        {
            // Nothing was kept: forget the key so the client's retry can write.
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            throw;
        }
    }

    /// <summary>Restores a key from a record found in the spool at start-up.</summary>
    public void Restore(StoredRecord record)
    {
        if (record.IdempotencyKey is { } key && !IsExpired(record.ReceivedAt, time.GetUtcNow()))
        {
            var request = new RecordRequest(record.Nombre, record.Edad, record.Profesion);
            var receipt = new Receipt(record.Id, RecordId.FileName(record.Id), record.ReceivedAt);
            _entries[key] = new Entry(Fingerprint(request), new Lazy<Task<Receipt>>(Task.FromResult(receipt)), record.ReceivedAt);
        }
    }

    private void SweepNowAndThen()
    {
        if (Interlocked.Increment(ref _writesSinceSweep) % 1024 != 0)
        {
            return;
        }
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (IsExpired(entry, now))
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }
    }

    private bool IsExpired(Entry entry, DateTimeOffset now) => IsExpired(entry.CreatedAt, now);

    private bool IsExpired(DateTimeOffset createdAt, DateTimeOffset now) => now - createdAt > options.Value.IdempotencyWindow;

    private static string Fingerprint(RecordRequest r) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{r.Nombre}\0{r.Edad}\0{r.Profesion}")));

    private sealed record Entry(string Fingerprint, Lazy<Task<Receipt>> Receipt, DateTimeOffset CreatedAt);
}
