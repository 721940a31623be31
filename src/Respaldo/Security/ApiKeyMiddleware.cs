using Microsoft.Extensions.Options;

namespace Respaldo.Security;

/// <summary>
/// Enforces <see cref="ApiKeyRequirement"/> on the endpoint routing chose. A middleware rather than an
/// endpoint filter, so it also guards endpoints that are plain request delegates (Prometheus metrics).
/// </summary>
internal sealed class ApiKeyMiddleware(
    RequestDelegate next, ApiKeys keys, IOptions<SecurityOptions> options, ILogger<ApiKeyMiddleware> logger)
{
    private const string Scheme = "Bearer ";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!keys.Configured || !Required(context) || Check(context.Request) is not { } failure)
        {
            await next(context);
            return;
        }
        logger.RequestUnauthorized(context.Request.Method, context.Request.Path.ToString(), context.Connection.RemoteIpAddress?.ToString(), failure);
        // RFC 6750: a request with no bearer credentials gets the bare challenge; a wrong key gets invalid_token.
        context.Response.Headers.WWWAuthenticate = failure == Failure.Missing
            ? "Bearer realm=\"respaldo\""
            : "Bearer realm=\"respaldo\", error=\"invalid_token\"";
        // TypedResults.Problem goes through the ProblemDetails service and still answers JSON when the client's
        // Accept header excludes it (IProblemDetailsService.WriteAsync would throw, making the 401 a 500).
        // A wrong key stays 401, not 403 (RFC 6750 §3.1: invalid_token is 401; 403 would mean a good key without the
        // right), but says it was the key that failed, not that none was sent. The key itself is never echoed.
        await Hosting.ProblemTypes.Problem(StatusCodes.Status401Unauthorized,
            failure == Failure.Missing ? "API key required" : "API key not accepted",
            failure == Failure.Missing
                ? "Send 'Authorization: Bearer <key>' with one of the keys configured in Security:ApiKeys."
                : "The key sent in 'Authorization: Bearer <key>' is not one of the keys configured in Security:ApiKeys; check it for typing or a key that was since removed.").ExecuteAsync(context);
    }

    private bool Required(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetOrderedMetadata<ApiKeyRequirement>().Any(r => r.Applies(options.Value)) == true;

    private Failure? Check(HttpRequest request)
    {
        var values = request.Headers.Authorization;
        if (values.Count == 0 || values[0] is not { } header || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return values.Count > 1 ? Failure.Invalid : Failure.Missing;
        }
        return values.Count == 1 && keys.IsValid(header[Scheme.Length..].Trim()) ? null : Failure.Invalid;
    }

    internal enum Failure
    {
        Missing,
        Invalid,
    }
}
