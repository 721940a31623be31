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
            return TypedResults.Ok(await runner.RunAsync("http", ct: ct));
        }
        catch (BackupBusyException e)
        {
            return RecordsEndpoints.Problem(StatusCodes.Status409Conflict, "Backup already running", e.Message + " Try again when it has finished.");
        }
    }

    internal static Ok<StatusReport> Status(BackupStatus status) => TypedResults.Ok(status.Report());
}
