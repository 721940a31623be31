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
            .WithSummary("Runs a backup now and returns its summary")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapMethods("/status", HttpGetOrHead.Methods, Status)
            .WithSummary("Backlog, last run, next scheduled run and destination");
        return group;
    }

    internal static async Task<Results<Ok<RunSummary>, ProblemHttpResult>> RunNow(BackupRunner runner, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(ForClients(await runner.RunAsync("http", ct: ct)));
        }
        catch (BackupBusyException e)
        {
            return RecordsEndpoints.Problem(StatusCodes.Status409Conflict, "Backup already running", ServerPaths.Redact(e.Message) + " Try again when it has finished.");
        }
    }

    internal static Ok<StatusReport> Status(BackupStatus status, Exposure exposure)
    {
        var report = status.Report();
        return TypedResults.Ok(report with
        {
            LastRun = report.LastRun is { } last ? ForClients(last) : null,
            RecentRuns = [.. report.RecentRuns.Select(ForClients)],
            Warnings = exposure.Warning is { } warning ? [warning] : [],
        });
    }

    /// <summary>A summary as a client may read it: its errors without absolute server paths (the log has them).</summary>
    // State written by older versions may hold no list of errors at all.
    private static RunSummary ForClients(RunSummary summary) => summary.FirstErrors is { Count: > 0 } errors
        ? summary with { FirstErrors = [.. errors.Select(ServerPaths.Redact)] }
        : summary;
}
