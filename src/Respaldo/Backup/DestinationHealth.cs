using Microsoft.Extensions.Options;

namespace Respaldo.Backup;

/// <summary>The last destination probe's result, for <c>/healthz</c>, <c>/status</c> and the status page.</summary>
internal sealed class DestinationHealth
{
    private ProbeResult? _last;

    public ProbeResult? Last => Volatile.Read(ref _last);

    public void Record(ProbeResult result) => Volatile.Write(ref _last, result);
}

/// <summary>
/// Runs the destination probe once, in the background, when the service starts (<c>Backup:ProbeAtStart</c>): a
/// wrong bucket, endpoint or key shows up in the log, <c>/healthz</c> and the status page within seconds instead of
/// at the first scheduled run. Intake does not wait for it and is never refused because of it.
/// </summary>
internal sealed class DestinationStartupProbe(
    DestinationProbe probe, DestinationHealth health, IOptions<BackupOptions> options, ILogger<DestinationStartupProbe> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ProbeAtStart)
        {
            return;
        }
        try
        {
            await Task.Yield(); // never hold up the host's start
            var result = await probe.RunAsync(stoppingToken);
            health.Record(result);
            if (result.Ok)
            {
                logger.DestinationProbeSucceeded(result.Destination, result.ProbeKey);
            }
            foreach (var problem in result.Problems)
            {
                logger.DestinationProbeFailed(problem);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A probe that cannot even run must not stop the service: log it as the probe's finding.
            logger.DestinationProbeFailed($"Destination {probe.Destination}: the probe could not run: {e.Message}");
        }
    }
}
