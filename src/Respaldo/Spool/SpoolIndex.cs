namespace Respaldo.Spool;

/// <summary>
/// The backlog as the service sees it: pending files, their bytes and the oldest one, kept in memory so that
/// status and metrics never scan the folder. The writer adds, the backup removes, and a periodic rescan
/// reconciles with changes made by other processes (a command-line backup).
/// </summary>
/// <remarks>
/// A rescan lists the folder without holding the lock (listing 100,000 files must not stall intake), so records
/// written or deleted while it lists could be lost from or resurrected in the figures if the listing simply replaced
/// them. Instead every <see cref="Add"/> and <see cref="Remove"/> made during a rescan is also journalled, and the
/// journal is replayed over the listing: this process's own changes always win, and the listing only decides for
/// files this process did not touch meanwhile (which readdir reports correctly). One rescan runs at a time.
/// </remarks>
internal sealed class SpoolIndex
{
    private readonly Lock _gate = new();
    private readonly Lock _rescanGate = new();
    private List<(Guid Id, long Bytes)>? _journal; // set while a rescan lists the folder; Bytes < 0 marks a removal
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
            _journal?.Add((id, bytes));
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
            _journal?.Add((id, -1));
        }
    }

    /// <summary>When the figures were last read from the folder itself.</summary>
    public DateTimeOffset ReconciledAt { get; private set; }

    /// <summary>Replaces the figures with what <paramref name="list"/> finds in the folder, keeping every change made meanwhile (see the remarks).</summary>
    public void Rescan(Func<IEnumerable<(Guid Id, long Bytes)>> list, DateTimeOffset now)
    {
        lock (_rescanGate)
        {
            lock (_gate)
            {
                _journal = [];
            }
            List<(Guid Id, long Bytes)> listed;
            try
            {
                listed = [.. list()];
            }
            catch
            {
                lock (_gate)
                {
                    _journal = null;
                }
                throw;
            }
            lock (_gate)
            {
                var journal = _journal!;
                _journal = null;
                ReconciledAt = now;
                _files.Clear();
                _bytes = 0;
                foreach (var (id, bytes) in listed)
                {
                    Put(id, bytes);
                }
                foreach (var (id, bytes) in journal)
                {
                    if (bytes >= 0)
                    {
                        Put(id, bytes);
                    }
                    else if (_files.Remove(id, out var removed))
                    {
                        _bytes -= removed;
                    }
                }
            }
        }
    }

    private void Put(Guid id, long bytes)
    {
        if (_files.TryAdd(id, bytes))
        {
            _bytes += bytes;
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
