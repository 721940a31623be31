using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Respaldo.Backup;

/// <summary>
/// Backup runs asked for over HTTP. A run belongs to the service, not to the request that asked for it: a client
/// that disconnects (or a load balancer's idle timeout) never cancels it; only the service stopping does. The
/// request waits up to <see cref="BackupOptions.RequestWait"/> for the summary, and otherwise gets the run's id to
/// poll. The last <see cref="Kept"/> runs stay queryable.
/// </summary>
internal sealed class BackupRequests(
    BackupRunner runner, IHostApplicationLifetime lifetime, IOptions<BackupOptions> options, TimeProvider time) : IHostedService
{
    private const int Kept = 20;
    private readonly ConcurrentDictionary<string, RequestedRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public TimeSpan Wait => options.Value.RequestWait;

    public RequestedRun Start()
    {
        var id = Guid.CreateVersion7().ToString("N")[^12..];
        // Task.Run: the run must not inherit the request's execution (its aborted token, its activity).
        var run = new RequestedRun(id, time.GetUtcNow(), Task.Run(() => runner.RunAsync("http", ct: lifetime.ApplicationStopping, runId: id)));
        _runs[id] = run;
        _order.Enqueue(id);
        lock (_order) // two requests pruning at once must not both take the same oldest run
        {
            while (_order.Count > Kept && _order.TryPeek(out var oldest)
                && (!_runs.TryGetValue(oldest, out var old) || old.Task.IsCompleted) && _order.TryDequeue(out _))
            {
                _runs.TryRemove(oldest, out _);
            }
        }
        return run;
    }

    public RequestedRun? Find(string id) => _runs.GetValueOrDefault(id);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The stopping service cancels its runs (their files stay spooled); wait for them to end before the destination is disposed.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_runs.Values.Select(r => r.Task)).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Each run's outcome is in its own log lines and state; stopping goes on.
        }
    }
}

internal sealed record RequestedRun(string Id, DateTimeOffset RequestedAt, Task<RunSummary> Task)
{
    public string Location => "/backup/runs/" + Id;

    public BackupRunReport Report() => Task.Status switch
    {
        TaskStatus.RanToCompletion => new(Id, "finished", RequestedAt, Task.Result, null),
        TaskStatus.Faulted when Task.Exception!.InnerException is BackupBusyException busy => new(Id, "busy", RequestedAt, null, busy.Message),
        TaskStatus.Faulted => new(Id, "failed", RequestedAt, null, Task.Exception!.InnerException!.Message),
        TaskStatus.Canceled => new(Id, "cancelled", RequestedAt, null, "The service stopped during the run; its files stay spooled."),
        _ => new(Id, "running", RequestedAt, null, null),
    };
}

/// <summary>A run asked for over HTTP: <c>running</c>, <c>finished</c> (with its summary), <c>busy</c>, <c>failed</c> or <c>cancelled</c>.</summary>
internal sealed record BackupRunReport(string Id, string State, DateTimeOffset RequestedAt, RunSummary? Summary, string? Error);
