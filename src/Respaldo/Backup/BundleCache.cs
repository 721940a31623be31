namespace Respaldo.Backup;

/// <summary>
/// Recently read bundles, unpacked, for read-back: reading several records of one bundle downloads it once. Bundles
/// never change once stored (a key always holds the same records), so entries need no expiry, only a bound: the least
/// recently used are dropped once the cached records exceed <see cref="DefaultMaxBytes"/>.
/// </summary>
internal sealed class BundleCache(long maxBytes)
{
    public const long DefaultMaxBytes = 32L << 20;

    private readonly Lock _lock = new();
    private readonly LinkedList<(string Key, Dictionary<Guid, ReadOnlyMemory<byte>> Records, long Bytes)> _entries = new();
    private long _bytes;

    public async Task<Dictionary<Guid, ReadOnlyMemory<byte>>> GetOrAddAsync(string key, Func<Task<Dictionary<Guid, ReadOnlyMemory<byte>>>> load)
    {
        lock (_lock)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (node.Value.Key == key)
                {
                    _entries.Remove(node);
                    _entries.AddFirst(node);
                    return node.Value.Records;
                }
            }
        }
        var records = await load();
        var size = records.Values.Sum(r => (long)r.Length);
        lock (_lock)
        {
            if (size <= maxBytes && _entries.All(e => e.Key != key))
            {
                _entries.AddFirst((key, records, size));
                _bytes += size;
                while (_bytes > maxBytes && _entries.Last is { } oldest)
                {
                    _bytes -= oldest.Value.Bytes;
                    _entries.RemoveLast();
                }
            }
        }
        return records;
    }
}
