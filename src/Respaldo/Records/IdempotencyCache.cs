using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Respaldo.Operations;
using Respaldo.Spool;

namespace Respaldo.Records;

/// <summary>
/// Remembers, for the configured window, which record each <c>Idempotency-Key</c> produced, so a client that
/// timed out and retries gets the original id back and nothing is written twice. Concurrent requests with the
/// same key share one write. The key is stored in the record file, and start-up rebuilds the map from the
/// spool, so a restart keeps it for every record not yet backed up.
/// </summary>
/// <remarks>
/// Keys are scoped per client identity (<see cref="Security.ApiKeys.ScopeOf"/>): the same key from two clients with
/// different API keys is two keys, so a 409 never tells one client what another sent. Memory is bounded by
/// <see cref="IntakeOptions.IdempotencyMaxEntries"/> and <see cref="IntakeOptions.IdempotencyMaxBytes"/>: keys are
/// kept in arrival order and the oldest go first, when they expire or, under a flood of distinct keys, earlier
/// (counted as evictions). An evicted key then writes a new record on a retry; nothing stored is ever lost.
/// </remarks>
internal sealed class IdempotencyCache(IOptions<IntakeOptions> options, TimeProvider time, RespaldoMetrics metrics)
{
    /// <summary>Estimated cost of one entry besides its key's characters: dictionary node, entry, fingerprint, task.</summary>
    private const int EntryOverheadBytes = 320;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, Entry Entry)> _arrivals = new();
    private readonly Lock _trim = new();
    private long _bytes;

    public const int MaxKeyLength = 255;

    public static bool IsValidKey(string key) =>
        key.Length is > 0 and <= MaxKeyLength && key.All(c => c is >= '!' and <= '~');

    /// <summary>
    /// Runs <paramref name="write"/> once per key and client within the window. Returns the receipt and whether this
    /// call replayed it; null when the client already used the key for a different record.
    /// </summary>
    public async Task<(Receipt Receipt, bool Replayed)?> GetOrWriteAsync(string? scope, string key, RecordRequest request, Func<Task<Receipt>> write)
    {
        var fingerprint = Fingerprint(request);
        var now = time.GetUtcNow();
        var scoped = Scoped(scope, key);
        var mine = new Entry(fingerprint, new Lazy<Task<Receipt>>(write), now);
        var entry = _entries.AddOrUpdate(scoped, mine, (_, existing) => IsExpired(existing.CreatedAt, now) ? mine : existing);
        if (ReferenceEquals(entry, mine))
        {
            Remember(scoped, mine, now);
        }
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
            _entries.TryRemove(new KeyValuePair<string, Entry>(scoped, entry));
            throw;
        }
    }

    /// <summary>Restores a key from a record found in the spool at start-up (called oldest first).</summary>
    public void Restore(StoredRecord record)
    {
        var now = time.GetUtcNow();
        if (record.IdempotencyKey is { } key && !IsExpired(record.ReceivedAt, now))
        {
            var request = new RecordRequest(record.Nombre, record.Edad, record.Profesion);
            var receipt = new Receipt(record.Id, RecordId.FileName(record.Id), record.ReceivedAt);
            var scoped = Scoped(record.IdempotencyScope, key);
            var entry = new Entry(Fingerprint(request), new Lazy<Task<Receipt>>(Task.FromResult(receipt)), record.ReceivedAt);
            _entries[scoped] = entry;
            Remember(scoped, entry, now);
        }
    }

    /// <summary>Keys remembered now (for tests and diagnostics).</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Queues the new entry and forgets from the oldest end: every expired key, then as many as the bounds demand.
    /// The queue may still hold entries already replaced or removed; they count against the bounds until they leave
    /// it, which errs on the side of less memory.
    /// </summary>
    private void Remember(string scoped, Entry entry, DateTimeOffset now)
    {
        var limits = options.Value;
        lock (_trim)
        {
            _arrivals.Enqueue((scoped, entry));
            _bytes += Cost(scoped);
            while (_arrivals.TryPeek(out var oldest)
                   && (IsExpired(oldest.Entry.CreatedAt, now) || _arrivals.Count > limits.IdempotencyMaxEntries || _bytes > limits.IdempotencyMaxBytes))
            {
                _arrivals.Dequeue();
                _bytes -= Cost(oldest.Key);
                if (_entries.TryRemove(new KeyValuePair<string, Entry>(oldest.Key, oldest.Entry)) && !IsExpired(oldest.Entry.CreatedAt, now))
                {
                    metrics.IdempotencyKeyEvicted();
                }
            }
        }
    }

    private static long Cost(string scoped) => EntryOverheadBytes + 2L * scoped.Length;

    // A newline cannot occur in a key (visible ASCII only) nor in a scope, so the pair is unambiguous.
    private static string Scoped(string? scope, string key) => scope is null ? key : scope + "\n" + key;

    private bool IsExpired(DateTimeOffset createdAt, DateTimeOffset now) => now - createdAt > options.Value.IdempotencyWindow;

    private static string Fingerprint(RecordRequest r) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{r.Nombre}\0{r.Edad}\0{r.Profesion}")));

    private sealed record Entry(string Fingerprint, Lazy<Task<Receipt>> Receipt, DateTimeOffset CreatedAt);
}
