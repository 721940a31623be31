namespace Respaldo.Spool;

/// <summary>
/// The backlog as the service sees it: pending files, their bytes and the oldest one, kept in memory so that
/// status and metrics never scan the folder. The writer adds, the backup removes, and a periodic rescan
/// reconciles with changes made by other processes (a command-line backup).
/// </summary>
internal sealed class SpoolIndex
{
    private readonly Lock _gate = new();
    // Guid.CompareTo orders like the id's text, which for UUIDv7 is creation order: First() is the oldest.
    private readonly SortedDictionary<Guid, long> _files = new();
    private long _bytes;

    public void Add(Guid id, long bytes)
    {
        lock (_gate)
        {
            if (_files.TryAdd(id, bytes))
            {
                _bytes += bytes;
            }
        }
    }

    public void Remove(Guid id)
    {
        lock (_gate)
        {
            if (_files.Remove(id, out var bytes))
            {
                _bytes -= bytes;
            }
        }
    }

    /// <summary>When the figures were last read from the folder itself.</summary>
    public DateTimeOffset ReconciledAt { get; private set; }

    public void Reset(IEnumerable<(Guid Id, long Bytes)> files, DateTimeOffset now)
    {
        lock (_gate)
        {
            ReconciledAt = now;
            _files.Clear();
            _bytes = 0;
            foreach (var (id, bytes) in files)
            {
                if (_files.TryAdd(id, bytes))
                {
                    _bytes += bytes;
                }
            }
        }
    }

    /// <summary>Pending bytes alone, without working out the oldest record: the quota check runs on every intake request.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public int Files
    {
        get
        {
            lock (_gate)
            {
                return _files.Count;
            }
        }
    }

    public Backlog Snapshot()
    {
        lock (_gate)
        {
            DateTimeOffset? oldest = _files.Count == 0 ? null : RecordId.Timestamp(_files.Keys.First());
            return new Backlog(_files.Count, _bytes, oldest);
        }
    }
}

internal sealed record Backlog(int Files, long Bytes, DateTimeOffset? Oldest);
