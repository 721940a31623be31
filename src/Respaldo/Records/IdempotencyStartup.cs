using Microsoft.Extensions.Options;
using Respaldo.Spool;

namespace Respaldo.Records;

/// <summary>
/// At start-up, reads the spooled records young enough to matter for idempotency and restores their keys.
/// A file among them that does not parse is crash debris (renamed before its data reached the disk, so never
/// acknowledged): it is set aside in the quarantine folder, never served or uploaded.
/// </summary>
internal sealed class IdempotencyStartup(
    RecordSpool spool, IdempotencyCache cache, IOptions<IntakeOptions> options, TimeProvider time,
    ILogger<IdempotencyStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow() - options.Value.IdempotencyWindow;
        foreach (var file in spool.ListPending().Where(f => RecordId.Timestamp(f.Id) >= since))
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file.Path);
            }
            catch (FileNotFoundException)
            {
                continue; // backed up meanwhile by another process
            }
            var record = RecordJson.TryParse(bytes);
            if (record?.Id == file.Id)
            {
                cache.Restore(record);
            }
            else
            {
                logger.RecordQuarantined(file.Path, spool.Quarantine(file.Path));
            }
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
