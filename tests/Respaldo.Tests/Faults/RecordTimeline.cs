using System.Text.RegularExpressions;

namespace Respaldo.Tests.Faults;

/// <summary>
/// The life of each record file in a <see cref="SystemCallTrace"/> of the service: when its temporary file was
/// opened and written, when it was renamed to <c>{id}.json</c>, when its 201 was sent, and every <c>syncfs</c>.
/// From these the two core rules are checked on the real process: a 201 is sent only after a <c>syncfs</c> that
/// began after the record's rename returned successfully; and no record is acknowledged when a <c>syncfs</c> failed
/// after its file was opened and before a successful sync covered it (the sync error rule).
/// </summary>
internal sealed partial class RecordTimeline
{
    private readonly Dictionary<Guid, Record> _records = [];

    public sealed class Record(Guid id)
    {
        public Guid Id => id;
        public SystemCall? Open { get; set; }
        public List<SystemCall> Writes { get; } = [];
        public SystemCall? Rename { get; set; }
        public SystemCall? Created { get; set; }
        /// <summary>Removals of its final file (a refused record taken back).</summary>
        public List<SystemCall> Removals { get; } = [];
        /// <summary>The call of the record's write path that strace failed, if any.</summary>
        public SystemCall? InjectedFault { get; set; }
    }

    public RecordTimeline(SystemCallTrace trace, string spool)
    {
        Syncs = trace.Named("syncfs").ToList();
        var tempFile = TempFile(spool.TrimEnd('/') + "/");
        var finalFile = FinalFile(spool.TrimEnd('/') + "/");
        foreach (var call in trace.Calls)
        {
            switch (call.Name)
            {
                case "openat" when tempFile.Match(call.Text) is { Success: true } m:
                    var opened = Get(m);
                    opened.Open ??= call;
                    if (call.Injected)
                    {
                        opened.InjectedFault = call;
                    }
                    break;
                case "write" when tempFile.Match(call.Text) is { Success: true } m:
                    var written = Get(m);
                    written.Writes.Add(call);
                    if (call.Injected)
                    {
                        written.InjectedFault = call;
                    }
                    break;
                case "rename" or "renameat" or "renameat2" when tempFile.Match(call.Text) is { Success: true } m:
                    var renamed = Get(m);
                    renamed.Rename = call;
                    if (call.Injected)
                    {
                        renamed.InjectedFault = call;
                    }
                    break;
                case "unlink" or "unlinkat" when finalFile.Match(call.Text) is { Success: true } m:
                    Get(m).Removals.Add(call);
                    break;
                case "sendto" or "sendmsg" or "writev" when Created().Match(call.Text) is { Success: true } m:
                    Get(m).Created ??= call;
                    break;
            }
        }
    }

    public IReadOnlyList<SystemCall> Syncs { get; }

    public IReadOnlyCollection<Record> Records => _records.Values;

    public Record? this[Guid id] => _records.GetValueOrDefault(id);

    /// <summary>The failed (injected) syncs that returned after the record's file was opened and before <paramref name="before"/>.</summary>
    public IEnumerable<SystemCall> FailedSyncsAfterOpen(Record record, int before) =>
        Syncs.Where(s => s.Failed && s.Exit > record.Open!.Entry && s.Exit < before);

    /// <summary>
    /// Problems with an acknowledged record: no write then rename before its 201; no successful syncfs that began
    /// after the rename and returned before the 201; a failed syncfs between the open and that successful sync.
    /// </summary>
    public IEnumerable<string> ProblemsWithAcknowledged(Guid id)
    {
        if (this[id] is not { Open: not null, Rename: not null, Created: not null } r)
        {
            yield return $"{id}: acknowledged, but the trace lacks its open, rename or 201 ({this[id]?.Open?.Entry}, {this[id]?.Rename?.Entry}, {this[id]?.Created?.Entry})";
            yield break;
        }
        if (r.Writes.Count == 0 || r.Writes[^1].Exit > r.Rename.Entry || r.Writes.Any(w => w.Failed))
        {
            yield return $"{id}: its data was not written completely before the rename";
        }
        var sync = Syncs.FirstOrDefault(s => !s.Failed && s.Entry > r.Rename.Exit);
        if (sync is null || sync.Exit > r.Created.Entry)
        {
            yield return $"{id}: 201 sent (trace line {r.Created.Entry + 1}) before a successful syncfs that began after its rename (line {r.Rename.Exit + 1}) returned";
            yield break;
        }
        foreach (var failed in FailedSyncsAfterOpen(r, sync.Entry))
        {
            yield return $"{id}: acknowledged although the syncfs that failed at trace line {failed.Exit + 1} returned after its file was opened (line {r.Open.Entry + 1}) and before the sync that acknowledged it (line {sync.Entry + 1})";
        }
    }

    /// <summary>
    /// Records that a failed sync may have touched (opened before it returned, not covered by an earlier successful
    /// sync that began after their rename) but that were not in its batch: the thread that called it did not take
    /// their files back before its next sync. The "batch N+1" case of the sync error rule.
    /// </summary>
    public IEnumerable<Record> WrittenAcrossAFailedSync()
    {
        foreach (var failed in Syncs.Where(s => s.Failed))
        {
            var next = Syncs.FirstOrDefault(s => s.Thread == failed.Thread && s.Entry > failed.Exit)?.Entry ?? int.MaxValue;
            foreach (var r in _records.Values.Where(r => r.Open is not null && r.Open.Entry < failed.Exit))
            {
                var covered = r.Rename is not null && Syncs.Any(s => !s.Failed && s.Entry > r.Rename.Exit && s.Exit < failed.Entry);
                var inItsBatch = r.Removals.Any(u => u.Thread == failed.Thread && u.Entry > failed.Exit && u.Entry < next);
                if (!covered && !inItsBatch && r.Rename is { Failed: false })
                {
                    yield return r;
                }
            }
        }
    }

    private Record Get(Match m)
    {
        var id = Guid.Parse(m.Groups["id"].Value);
        if (!_records.TryGetValue(id, out var record))
        {
            _records[id] = record = new Record(id);
        }
        return record;
    }

    private static Regex TempFile(string prefix) => new(Regex.Escape(prefix) + @"\.(?<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.tmp");

    private static Regex FinalFile(string prefix) => new(Regex.Escape(prefix) + @"(?<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json""");

    [GeneratedRegex(@"HTTP/1\.1 201 Created.*?/records/(?<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")]
    private static partial Regex Created();
}
