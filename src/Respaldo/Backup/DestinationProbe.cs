using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Microsoft.Extensions.Options;

namespace Respaldo.Backup;

/// <summary>
/// Proves the destination takes backups before the first scheduled run needs it: writes one small probe object
/// under the prefix through the destination's own upload, which verifies what landed (put, then the ETag or a
/// HEAD), so it needs exactly the permissions a backup needs (put and get) and no delete. The object is overwritten
/// by every probe from the same machine and is ignored by restore and read-back (its key is no record key).
/// It also compares this machine's clock with the store's <c>Date</c> header: S3 refuses signatures more than
/// 15 minutes off, and record keys are dated by this clock.
/// Run by <c>check</c>, and once in the background at <c>serve</c> start-up (the result goes to the log,
/// <c>/healthz</c>, <c>/status</c> and the status page; intake never waits for it).
/// </summary>
internal sealed class DestinationProbe(
    IBackupDestination destination, DestinationHints hints, IServiceProvider services, IOptions<BackupOptions> options, TimeProvider time)
{
    /// <summary>Beyond this the clocks disagree enough to matter (S3 itself refuses 15 minutes).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    public string Destination => destination.Description;

    public static string ProbeKey(string prefix) =>
        (prefix.Length == 0 ? "" : prefix + "/") + ".respaldo-probe/" + SafeHostName() + ".txt";

    public async Task<ProbeResult> RunAsync(CancellationToken ct)
    {
        var problems = new List<string>();
        var key = ProbeKey(destination.Prefix);
        var body = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"Respaldo destination probe from {Environment.MachineName} at {time.GetUtcNow():O}; safe to delete.\n"));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // The upload's own request timeout applies per request; this bounds the whole probe (put and verify).
            timeout.CancelAfter(options.Value.RequestTimeout * 3);
            await destination.UploadAsync(key, body, SHA256.HashData(body), "text/plain; charset=utf-8", timeout.Token);
        }
        catch (BackupException e)
        {
            var message = e.Message.TrimEnd();
            problems.Add($"Destination {destination.Description}: writing the probe object {key} failed ({e.Kind}): {message}{(message.EndsWith('.') ? "" : ".")}{(hints.For(e.Kind) is { } hint ? " " + hint : "")}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            problems.Add($"Destination {destination.Description}: writing the probe object {key} took longer than 3 × Backup:RequestTimeout ({options.Value.RequestTimeout}); check the network, or raise Backup:RequestTimeout for a slow store.");
        }
        double? skew = null;
        if (services.GetService<IAmazonS3>() is { } s3 && destination is S3Destination)
        {
            skew = await ClockSkew.MeasureAsync(s3, time, options.Value.RequestTimeout, ct);
            if (skew is { } s && Math.Abs(s) > MaxClockSkew.TotalSeconds)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"Clock: this machine's clock is {Math.Abs(s):0} s {(s > 0 ? "ahead of" : "behind")} the store's ({ClockSkew.Endpoint(s3)}); S3 refuses requests signed more than 15 minutes off. Synchronise the clock (e.g. systemd-timesyncd or chrony)."));
            }
        }
        return new ProbeResult(problems.Count == 0, time.GetUtcNow(), destination.Description, key, problems, skew);
    }

    private static string SafeHostName()
    {
        var name = new string([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
        return name.Length == 0 ? "host" : name.ToLowerInvariant();
    }
}

/// <summary>What the last probe found; <see cref="Ok"/> when the destination took and verified the probe object.</summary>
internal sealed record ProbeResult(
    bool Ok, DateTimeOffset CheckedAt, string Destination, string ProbeKey, IReadOnlyList<string> Problems, double? ClockSkewSeconds)
{
    /// <summary>What established this result: <c>probe</c>, or <c>backup run {id}</c> when a run stored an object after a failed probe.</summary>
    public string Source { get; init; } = DestinationHealth.ProbeSource;

    /// <summary>When the service probes again; null once the destination is proven (no further checks are planned).</summary>
    public DateTimeOffset? NextCheckAt { get; init; }

    /// <summary>As anyone who may read <c>/healthz</c> or <c>/status</c> sees it: no absolute server paths (the log has them).</summary>
    public ProbeResult ForClients() => this with { Problems = [.. Problems.Select(Security.ServerPaths.Redact)] };
}
