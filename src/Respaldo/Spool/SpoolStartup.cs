using Microsoft.Extensions.Options;

namespace Respaldo.Spool;

/// <summary>
/// Start-up recovery: removes temporary files a crash left behind (never acknowledged, so never records),
/// sets aside empty record files (a rename that reached the disk before its data), and loads the backlog.
/// Afterwards keeps the backlog figures in step with changes other processes make.
/// </summary>
internal sealed class SpoolStartup(
    RecordSpool spool, IOptions<SpoolOptions> options, ILogger<SpoolStartup> logger, TimeProvider time) : BackgroundService
{
    private FileStream? _serveLock;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
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
        Recover();
        return base.StartAsync(cancellationToken);
    }

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

    public void Recover()
    {
        var removed = 0;
        foreach (var temp in Directory.EnumerateFiles(spool.Directory, "*" + SpoolFolder.TempExtension))
        {
            File.Delete(temp);
            removed++;
        }
        var quarantined = 0;
        foreach (var file in spool.ListPending().Where(f => f.Length == 0))
        {
            spool.Quarantine(file.Path);
            quarantined++;
        }
        spool.Rescan();
        logger.SpoolRecovered(spool.Directory, removed, quarantined);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RescanInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                spool.Rescan();
            }
            catch (IOException e)
            {
                logger.SpoolRescanFailed(e);
            }
        }
    }
}
