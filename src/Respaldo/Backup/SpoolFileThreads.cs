using System.Collections.Concurrent;

namespace Respaldo.Backup;

/// <summary>
/// Threads of the backup's own for its blocking calls on spool files: reading them and deleting them. A bundle run
/// makes thousands of these calls, each mostly waiting on the disk. On the thread pool they took the threads that
/// answer intake requests: during a bundle run in the service, intake answers stalled for up to 6 s (adversarial
/// review, 2026-11-30), which is why the spool writer has threads of its own too. Here at most <see cref="Count"/>
/// calls wait at once, whatever the number of bundles in flight, and the pool stays free.
/// </summary>
/// <remarks>The threads start with the first call, so verbs that never back up start none.</remarks>
internal sealed class SpoolFileThreads : IDisposable
{
    /// <summary>Enough to keep a disk that serves several unlinks at once busy (8 at a time measured 7.8× faster than 1, 16 no faster).</summary>
    public const int Count = 8;

    private readonly BlockingCollection<Action> _calls = new();
    private readonly Lazy<Thread[]> _threads;

    public SpoolFileThreads() => _threads = new(StartThreads);

    /// <summary>Runs <paramref name="call"/> on one of the threads; its result or exception completes the task.</summary>
    public Task<T> Run<T>(Func<T> call)
    {
        _ = _threads.Value;
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls.Add(() =>
        {
            try
            {
                done.SetResult(call());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    public void Dispose() => _calls.CompleteAdding();

    private Thread[] StartThreads()
    {
        var threads = new Thread[Count];
        for (var i = 0; i < Count; i++)
        {
            threads[i] = new Thread(Work) { IsBackground = true, Name = $"respaldo-spool-file-{i}" };
            threads[i].Start();
        }
        return threads;
    }

    private void Work()
    {
        foreach (var call in _calls.GetConsumingEnumerable())
        {
            call();
        }
    }
}
