using Microsoft.Extensions.Options;
using Respaldo.Hosting;

namespace Respaldo.Spool;

/// <summary>
/// The service's hold on its spool folder: one service per folder (an OS lock), start-up recovery before the first
/// request, the group-commit writer started, and afterwards a periodic rescan that keeps the backlog figures in step
/// with changes other processes make (a command-line backup).
/// </summary>
internal sealed class SpoolOwner(
    RecordSpool spool, Lazy<SpoolWriter> writer, SpoolRecovery recovery, IOptions<SpoolOptions> options,
    ILogger<SpoolOwner> logger, TimeProvider time) : BackgroundService
{
    private FileStream? _serveLock;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        SpoolFolder.Ensure(options.Value);
        // One service per spool folder: a second one would delete the first one's in-flight temporary files as
        // crash debris. The OS lock is released when the process dies, so a crash never blocks a restart.
        _serveLock = TakeServeLock(Path.Combine(options.Value.StatePath, "serve.lock"));
        recovery.Recover(cancellationToken);
        _ = writer.Value; // started now, so a folder it cannot use stops start-up rather than the first request
        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// The exclusive lock, retried for about a second: `respaldo status` holds a shared lock on the same file for a
    /// moment to see whether a service runs, and that moment must not make a starting service refuse to run. A
    /// second service holds the lock for good, so it is still refused, a second later.
    /// </summary>
    private FileStream TakeServeLock(string path)
    {
        var deadline = Environment.TickCount64 + 1000;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (Environment.TickCount64 >= deadline)
            {
                throw new SpoolInUseException(
                    $"Another Respaldo service is already using the spool folder {spool.Directory}; give each instance its own Storage:Directory.", e);
            }
            catch (IOException)
            {
                Thread.Sleep(25);
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundLoop.RunAsync("spool rescan", async ct =>
        {
            await BackgroundLoop.DelayAsync(options.Value.RescanInterval, time, ct);
            spool.Rescan();
        }, time, logger, stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        _serveLock?.Dispose();
    }

    public override void Dispose()
    {
        _serveLock?.Dispose();
        base.Dispose();
    }
}
