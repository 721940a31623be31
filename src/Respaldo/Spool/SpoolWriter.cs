using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Respaldo.Spool;

/// <summary>
/// Group commit: one writer thread takes every record waiting, writes each to a temporary name and renames it
/// to <c>{id}.json</c>; one sync thread then makes the whole batch durable with a single <c>syncfs</c>, and
/// only after that completes the requests. A 201 therefore always means the record is on disk, while the
/// disk is asked to sync once per batch instead of once per record. The two threads form a pipeline: batch
/// N+1 is written while batch N is synced (<see cref="SyncPipeline.Serial"/> turns the overlap off).
/// </summary>
/// <remarks>
/// <para>Crash safety: before the sync a crash can leave an empty or truncated <c>{id}.json</c> (ext4 may commit a
/// rename before the data). Such a record was never acknowledged; readers and the backup parse every file and
/// start-up recovery sets unparsable ones aside in the quarantine folder, so they are never served or uploaded.</para>
/// <para>Sync error rule: when a <c>syncfs</c> fails, every record whose file was written before that sync
/// returned, in any batch, is failed (503, file removed), never acknowledged. Linux reports a write-back error
/// once per open file description: the failing sync of batch N may also have written back (and lost) pages of
/// batch N+1, which the writer was writing meanwhile, and the next sync then returns 0 although those pages never
/// reached the disk. So every record takes a sequence number before its first system call; after a failed sync the
/// sync thread notes the highest number taken by then, and any record at or below it fails whichever batch it is
/// in and whatever later syncs return. Records numbered after that moment were written after the failing sync
/// returned, so a later successful sync covers them.</para>
/// </remarks>
internal sealed class SpoolWriter : IDisposable
{
    private readonly BlockingCollection<PendingRecord> _incoming = new();
    private readonly BlockingCollection<List<PendingRecord>> _written = new();
    // Records between WriteAsync and their answer: their files may exist but are not acknowledged yet.
    private readonly ConcurrentDictionary<Guid, byte> _inFlight = new();
    private readonly string _directory;
    private readonly SpoolIndex _index;
    private readonly NativeFileSystem.DirectoryHandle _dirHandle;
    private readonly bool _overlap;
    private readonly Thread _writer;
    private readonly RecordPaths _paths; // the writer thread's only
    private readonly Thread? _syncer;

    // Sequence numbers: the last one handed out (writer thread, published with a full fence before the record's
    // first system call), and the last one a failed sync may have touched (sync thread only).
    private long _started;
    private long _failedThrough;
    private Exception? _syncFailure;

    public SpoolWriter(IOptions<SpoolOptions> options, SpoolIndex index)
    {
        _directory = SpoolFolder.Ensure(options.Value);
        _index = index;
        _overlap = options.Value.SyncPipeline == SyncPipeline.Overlapped;
        _dirHandle = NativeFileSystem.OpenDirectory(_directory);
        _paths = new RecordPaths(_directory);
        // Dedicated threads: blocking file-system calls on the thread pool would starve request handling.
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "spool-writer" };
        _writer.Start();
        if (_overlap)
        {
            _syncer = new Thread(SyncLoop) { IsBackground = true, Name = "spool-sync" };
            _syncer.Start();
        }
    }

    /// <summary>Completes once the record's file is durable; faults with <see cref="SpoolFullException"/> or <see cref="SpoolUnavailableException"/> when nothing was kept.</summary>
    public Task WriteAsync(Guid id, byte[] content)
    {
        var pending = new PendingRecord(id, content);
        _inFlight[id] = 0;
        try
        {
            _incoming.Add(pending);
        }
        catch (InvalidOperationException)
        {
            _inFlight.TryRemove(id, out _);
            throw new SpoolUnavailableException("The spool is shutting down.");
        }
        return pending.Done.Task;
    }

    /// <summary>True while the record's file may exist but its write is not acknowledged (nor refused) yet.</summary>
    public bool IsInFlight(Guid id) => _inFlight.ContainsKey(id);

    private void Acknowledge(PendingRecord record)
    {
        _inFlight.TryRemove(record.Id, out _);
        record.Done.TrySetResult();
    }

    private void Refuse(PendingRecord record, Exception e)
    {
        _inFlight.TryRemove(record.Id, out _);
        record.Done.TrySetException(Translate(e));
    }

    private void WriteLoop()
    {
        while (_incoming.TryTake(out var first, Timeout.Infinite))
        {
            var batch = new List<PendingRecord> { first };
            while (_incoming.TryTake(out var more))
            {
                batch.Add(more);
            }
            var written = new List<PendingRecord>(batch.Count);
            foreach (var record in batch)
            {
                // Before the first system call on the record's files: a sync that returns after this point may
                // have touched them (see the sync error rule above).
                record.Sequence = Interlocked.Increment(ref _started);
                try
                {
                    WriteFile(record);
                    written.Add(record);
                }
                catch (Exception e)
                {
                    Refuse(record, e);
                }
            }
            if (written.Count == 0)
            {
                continue;
            }
            if (_overlap)
            {
                _written.Add(written);
            }
            else
            {
                Commit(written);
            }
        }
        _written.CompleteAdding();
    }

    private void WriteFile(PendingRecord record)
    {
        _paths.Set(record.Id);
        try
        {
            // Write beside the final name, then rename: readers list only *.json, so no reader ever sees a
            // half-written file while the process runs. The sync that makes it durable follows per batch.
            NativeFileSystem.WriteNewFile(_paths.Temp, record.Content);
            NativeFileSystem.RenameNoOverwrite(_paths.Temp, _paths.Final);
        }
        catch
        {
            TryDelete(NativeFileSystem.Text(_paths.Temp));
            throw;
        }
    }

    private void SyncLoop()
    {
        while (_written.TryTake(out var batch, Timeout.Infinite))
        {
            while (_written.TryTake(out var more))
            {
                batch.AddRange(more);
            }
            Commit(batch);
        }
    }

    /// <summary>Syncs, then acknowledges each record of the batch unless a failed sync may have touched it.</summary>
    private void Commit(List<PendingRecord> batch)
    {
        try
        {
            NativeFileSystem.SyncFileSystem(_dirHandle);
        }
        catch (Exception e)
        {
            // Every record started by now may have had its pages written back, and lost, by this sync.
            _failedThrough = Interlocked.Read(ref _started);
            _syncFailure = e;
        }
        var tookBack = false;
        foreach (var record in batch)
        {
            if (record.Sequence <= _failedThrough)
            {
                // The record may not be on disk: take the file back so that no record exists that was not
                // acknowledged, and let the client retry.
                TryDelete(Path.Combine(_directory, RecordId.FileName(record.Id)));
                tookBack = true;
                Refuse(record, _syncFailure!);
                continue;
            }
            _index.Add(record.Id, record.Content.Length);
            Acknowledge(record);
        }
        if (tookBack)
        {
            // Make the removals durable too, where the disk still allows it: a refused record that came back after a
            // crash would be backed up beside the client's retry.
            try
            {
                NativeFileSystem.SyncDirectory(_directory);
            }
            catch (Exception)
            {
                // The disk is failing; start-up recovery and the backup's complete-record check remain.
            }
        }
    }

    private static Exception Translate(Exception e) => IoErrors.IsDiskFull(e)
        ? new SpoolFullException("The spool disk is full.", e)
        : new SpoolUnavailableException("The record could not be made durable: " + e.Message, e);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception)
        {
            // Never let a failing delete (EIO, EROFS, EACCES) end the writer or sync thread: that would stop intake.
        }
    }

    public void Dispose()
    {
        _incoming.CompleteAdding();
        _writer.Join();
        _syncer?.Join();
        _dirHandle.Dispose();
    }

    private sealed record PendingRecord(Guid Id, byte[] Content)
    {
        // Continuations must not run on the sync thread: it would then serve HTTP responses instead of syncing.
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Sequence { get; set; }
    }
}
