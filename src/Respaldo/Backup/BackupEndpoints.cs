using Microsoft.AspNetCore.Http.HttpResults;
using Respaldo.Hosting;
using Respaldo.Records;
using Respaldo.Security;

namespace Respaldo.Backup;

internal static class BackupEndpoints
{
    public static RouteGroupBuilder MapBackup(this IEndpointRouteBuilder routes)
    {
        // Operating endpoints: with Security:ApiKeys set they need 'Authorization: Bearer <key>'.
        var group = routes.MapGroup("").WithTags("Operations").RequireApiKey();
        group.MapPost("/backup", RunNow)
            .WithSummary("Runs a backup now")
            .WithDescription("Answers 200 with the run's summary when it finishes within Backup:RequestWait (20 s), otherwise 202 with a Location to poll. The run belongs to the service: a client that disconnects does not cancel it.")
            .Produces<BackupRunReport>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapMethods("/backup/runs/{id}", HttpGetOrHead.Methods, RunReport)
            .WithSummary("A run started with POST /backup: running, or finished with its summary")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapMethods("/status", HttpGetOrHead.Methods, Status)
            .WithSummary("Backlog, last run, next scheduled run and destination");
        return group;
    }

    internal static async Task<Results<Ok<RunSummary>, Accepted<BackupRunReport>, ProblemHttpResult>> RunNow(BackupRequests requests, CancellationToken ct)
    {
        var run = requests.Start();
        try
        {
            // Waits for the run, not with it: the request's token (the client disconnecting) ends only this wait.
            await ((Task)run.Task).WaitAsync(requests.Wait, ct);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException && !run.Task.IsCompleted)
        {
            return TypedResults.Accepted(run.Location, ForClients(run.Report()));
        }
        catch (BackupBusyException e)
        {
            return RecordsEndpoints.Problem(StatusCodes.Status409Conflict, "Backup already running", ServerPaths.Redact(e.Message) + " Try again when it has finished.");
        }
        catch (Exception) when (run.Task.IsCompleted)
        {
            // The run itself failed (or the stopping service cancelled it): say so with the run to look at, not a bare 500.
            var report = ForClients(run.Report());
            return RecordsEndpoints.Problem(StatusCodes.Status500InternalServerError, "Backup run failed",
                $"The backup run {run.Id} ended as '{report.State}': {report.Error ?? "no detail"} GET {run.Location} shows it; the files stay spooled for the next run.");
        }
        return TypedResults.Ok(ForClients(await run.Task));
    }

    internal static Results<Ok<BackupRunReport>, ProblemHttpResult> RunReport(string id, BackupRequests requests) =>
        requests.Find(id) is { } run
            ? TypedResults.Ok(ForClients(run.Report()))
            : RecordsEndpoints.Problem(StatusCodes.Status404NotFound, "Unknown backup run",
                $"No run '{ServerPaths.Redact(id)}' was started with POST /backup since the service started (the last 20 are kept); GET /status shows the last run.");

    internal static Ok<StatusReport> Status(BackupStatus status, Exposure exposure)
    {
        var report = status.Report();
        return TypedResults.Ok(report with
        {
            LastRun = report.LastRun is { } last ? ForClients(last) : null,
            RecentRuns = [.. report.RecentRuns.Select(ForClients)],
            Warnings = exposure.Warning is { } warning ? [warning] : [],
            DestinationCheck = report.DestinationCheck?.ForClients(),
        });
    }

    /// <summary>A summary as a client may read it: its errors without absolute server paths (the log has them).</summary>
    // State written by older versions may hold no list of errors at all.
    private static RunSummary ForClients(RunSummary summary) => summary.FirstErrors is { Count: > 0 } errors
        ? summary with { FirstErrors = [.. errors.Select(ServerPaths.Redact)] }
        : summary;

    private static BackupRunReport ForClients(BackupRunReport report) => report with
    {
        Summary = report.Summary is { } summary ? ForClients(summary) : null,
        Error = report.Error is { } error ? ServerPaths.Redact(error) : null,
    };
}
