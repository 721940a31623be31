using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Respaldo.Backup;
using Respaldo.Spool;

namespace Respaldo.Hosting;

internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/healthz", HttpGetOrHead.Methods, Check).WithTags("Operations").WithSummary("200 when the spool folder is writable, 503 otherwise")
            .Produces<Health>(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    /// <summary>Proves the spool is writable the only reliable way: by creating and removing a file in it.</summary>
    internal static Results<Ok<Health>, JsonHttpResult<Health>> Check(IOptions<SpoolOptions> options, DestinationHealth destination, ILogger<Health> logger)
    {
        // The destination's state is detail, not health: intake goes on while a destination is down (records stay
        // spooled), so a load balancer must not take the instance out for it.
        // Open to anyone: the problems name no server path (a folder destination's path is the log's to tell).
        var check = destination.Last?.ForClients() is { } last ? new DestinationDetail(last.Ok, last.CheckedAt, last.Problems, last.Source, last.NextCheckAt) : null;
        var probe = Path.Combine(options.Value.FullPath, SpoolFolder.TempName(Guid.NewGuid()));
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return TypedResults.Ok(new Health("healthy", null, check));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The full reason, with the folder's path, goes to the log; the answer, open to anyone, names no path.
            logger.SpoolNotWritable(options.Value.FullPath, e.Message);
            return TypedResults.Json(new Health("unhealthy", $"The spool folder is not writable: {Security.ServerPaths.Redact(e.Message)}", check),
                HttpJsonContext.Default.Health, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    internal sealed record Health(string Status, string? Reason, DestinationDetail? Destination);

    /// <summary>
    /// The destination's last check: whether it took a write, when, what was wrong, what proved it (<c>probe</c> or
    /// <c>backup run {id}</c>), and when a failing destination is probed again.
    /// </summary>
    internal sealed record DestinationDetail(bool Ok, DateTimeOffset CheckedAt, IReadOnlyList<string> Problems, string Source, DateTimeOffset? NextCheckAt);
}
