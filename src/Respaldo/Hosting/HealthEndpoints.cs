using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Respaldo.Spool;

namespace Respaldo.Hosting;

internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/healthz", HttpGetOrHead.Methods, Check).WithTags("Operations").WithSummary("200 when the spool folder is writable, 503 otherwise");
        return routes;
    }

    /// <summary>Proves the spool is writable the only reliable way: by creating and removing a file in it.</summary>
    internal static Results<Ok<Health>, JsonHttpResult<Health>> Check(IOptions<SpoolOptions> options)
    {
        var probe = Path.Combine(options.Value.FullPath, SpoolFolder.TempName(Guid.NewGuid()));
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return TypedResults.Ok(new Health("healthy", null));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return TypedResults.Json(new Health("unhealthy", $"The spool folder is not writable: {e.Message}"),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    internal sealed record Health(string Status, string? Reason);
}
