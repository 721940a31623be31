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
        try
        {
            _serveLock = new FileStream(Path.Combine(options.Value.StatePath, "serve.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new SpoolInUseException(
                $"Another Respaldo service is already using the spool folder {spool.Directory}; give each instance its own Storage:Directory.", e);
        }
        recovery.Recover(cancellationToken);
        _ = writer.Value; // started now, so a folder it cannot use stops start-up rather than the first request
        return base.StartAsync(cancellationToken);
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
