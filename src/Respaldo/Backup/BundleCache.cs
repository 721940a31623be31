namespace Respaldo.Backup;

/// <summary>
/// Recently read bundles, unpacked, for read-back: reading several records of one bundle downloads it once. Bundles
/// never change once stored (a key always holds the same records), so entries need no expiry, only a bound.
/// <para>
/// The bound is meant to hold for the process, not for a count of record bytes: each entry is counted at what it
/// really holds (<see cref="CachedBundle.Bytes"/>: decompressed records plus index), the least recently used are
/// dropped once the total exceeds <c>maxBytes</c>, and a bundle larger than the bound is served but never kept.
/// Loads are single-flight (concurrent reads of one uncached bundle download it once) and at most
/// <c>maxLoads</c> run at once, so concurrent cold reads of many bundles wait for each other instead of holding many
/// downloads and their decompressed copies at the same time. So the process holds at most <c>maxBytes</c> of cached
/// bundles plus <c>maxLoads</c> bundles being loaded (and a bundle too large to keep, until its finalizer frees it).
/// </para>
/// </summary>
internal sealed class BundleCache(long maxBytes, int maxLoads = BundleCache.DefaultMaxLoads)
{
    public const long DefaultMaxBytes = 32L << 20;
    public const int DefaultMaxLoads = 2;

    private readonly Lock _lock = new();
    private readonly LinkedList<CachedBundle> _recent = new(); // most recently used first
    private readonly Dictionary<string, LinkedListNode<CachedBundle>> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<LinkedListNode<CachedBundle>>> _byHour = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<CachedBundle>> _loading = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loads = new(maxLoads, maxLoads);
    private long _bytes;
    private long _loadsStarted;

    /// <summary>What the cached bundles hold, as counted against the bound.</summary>
    public long Bytes { get { lock (_lock) { return _bytes; } } }

    public int Count { get { lock (_lock) { return _byKey.Count; } } }

    /// <summary>How many loads ran (each one a download), for tests of single flight.</summary>
    public long LoadsStarted => Interlocked.Read(ref _loadsStarted);

    public long MaxBytes => maxBytes;

    /// <summary>
    /// The record from whichever cached bundle of the hour partition <paramref name="hourPrefix"/> holds it, without
    /// any request; null when none does.
    /// </summary>
    public byte[]? TryFind(string hourPrefix, Guid id)
    {
        lock (_lock)
        {
            if (!_byHour.TryGetValue(hourPrefix, out var nodes))
            {
                return null;
            }
            foreach (var node in nodes)
            {
                if (node.Value.Find(id) is { } bytes)
                {
                    Touch(node);
                    return bytes;
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The record from bundle <paramref name="key"/>, cached or loaded by <paramref name="load"/> (once, however many ask
    /// at the same time); null when the bundle does not hold it. Records are copied out under the lock, because an
    /// evicted bundle's memory is freed at once.
    /// </summary>
    public async Task<byte[]?> FindAsync(string key, Guid id, Func<Task<CachedBundle>> load, CancellationToken ct)
    {
        while (true)
        {
            TaskCompletionSource<CachedBundle>? mine = null;
            Task<CachedBundle> pending;
            lock (_lock)
            {
                if (_byKey.TryGetValue(key, out var node))
                {
                    Touch(node);
                    return node.Value.Find(id);
                }
                if (!_loading.TryGetValue(key, out pending!))
                {
                    mine = new TaskCompletionSource<CachedBundle>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _loading[key] = pending = mine.Task;
                }
            }
            if (mine is not null)
            {
                // Shared by every reader waiting for this bundle, so not cancelled by the first one's request going away.
                _ = LoadAsync(key, load, mine);
            }
            var bundle = await pending.WaitAsync(ct);
            lock (_lock)
            {
                if (!bundle.IsDisposed)
                {
                    return bundle.Find(id);
                }
            }
            // Loaded, then evicted (and freed) before this reader got to it: 32 MiB of other bundles came in meanwhile.
        }
    }

    private async Task LoadAsync(string key, Func<Task<CachedBundle>> load, TaskCompletionSource<CachedBundle> result)
    {
        try
        {
            CachedBundle bundle;
            await _loads.WaitAsync();
            try
            {
                Interlocked.Increment(ref _loadsStarted);
                bundle = await load();
            }
            finally
            {
                _loads.Release();
            }
            lock (_lock)
            {
                Add(bundle);
                _loading.Remove(key);
            }
            result.SetResult(bundle);
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _loading.Remove(key);
            }
            result.SetException(e);
            _ = result.Task.Exception; // observed: a reader that gave up must not leave an unobserved task exception
        }
    }

    private void Add(CachedBundle bundle)
    {
        if (bundle.Bytes > maxBytes || _byKey.ContainsKey(bundle.Key))
        {
            return; // too large to keep within the bound: served to its readers, then freed by its finalizer
        }
        var node = _byKey[bundle.Key] = _recent.AddFirst(bundle);
        var hour = HourOf(bundle.Key);
        if (!_byHour.TryGetValue(hour, out var nodes))
        {
            _byHour[hour] = nodes = [];
        }
        nodes.Add(node);
        _bytes += bundle.Bytes;
        while (_bytes > maxBytes && _recent.Last is { } oldest)
        {
            _recent.RemoveLast();
            oldest.Value.Dispose(); // its memory goes back to the system now, not at some later collection
            _byKey.Remove(oldest.Value.Key);
            var siblings = _byHour[HourOf(oldest.Value.Key)];
            siblings.Remove(oldest);
            if (siblings.Count == 0)
            {
                _byHour.Remove(HourOf(oldest.Value.Key));
            }
            _bytes -= oldest.Value.Bytes;
        }
    }

    /// <summary>A bundle key's hour partition: everything up to its name (see <see cref="KeyLayout.HourPrefix"/>).</summary>
    private static string HourOf(string key) => key[..(key.LastIndexOf('/') + 1)];

    private void Touch(LinkedListNode<CachedBundle> node)
    {
        _recent.Remove(node);
        _recent.AddFirst(node);
    }
}
