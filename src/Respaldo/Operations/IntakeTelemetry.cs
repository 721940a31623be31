using System.Diagnostics;
using Respaldo.Records;
using Respaldo.Spool;

namespace Respaldo.Operations;

/// <summary>
/// Counts and times every request to the intake endpoint, by what its answer means for the record. A middleware
/// in front of the API-key check and the rate limiter, so their rejections (401, 429) count as well, and behind
/// the exception handler, so it sees the spool's exceptions before they become 503/507.
/// Other requests pass straight through: one metadata lookup, no allocation.
/// </summary>
internal sealed class IntakeTelemetry(RequestDelegate next, RespaldoMetrics metrics)
{
    /// <summary>Endpoint metadata: count this endpoint's requests as intake.</summary>
    public sealed class Marker
    {
        public static readonly Marker Instance = new();
    }

    public const string Validation = "validation";
    public const string Malformed = "malformed";
    public const string TooLarge = "too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string IdempotencyConflict = "idempotency_conflict";
    public const string Unauthorized = "unauthorized";
    public const string RateLimited = "rate_limited";
    public const string SpoolFull = "spool_full";
    public const string SpoolUnavailable = "spool_unavailable";
    public const string ClientAborted = "client_aborted";
    public const string Error = "error";

    /// <summary>What routing names the endpoint it picks when a route matched but its Accepts content type did not.</summary>
    private const string RejectedMediaTypeEndpoint = "415 HTTP Unsupported Media Type";
    private static readonly PathString IntakePath = new("/store_data");

    public Task InvokeAsync(HttpContext context) =>
        context.GetEndpoint() is { } endpoint && (endpoint.Metadata.GetMetadata<Marker>() is not null || IsRejectedIntake(endpoint, context.Request))
            ? MeasureAsync(context)
            : next(context);

    /// <summary>
    /// A record sent as text/plain never reaches the intake endpoint: routing answers 415 itself, with an
    /// endpoint of its own that carries no metadata, so it is recognised by name and path.
    /// </summary>
    private static bool IsRejectedIntake(Endpoint endpoint, HttpRequest request) =>
        endpoint.DisplayName == RejectedMediaTypeEndpoint && request.Path.StartsWithSegments(IntakePath, StringComparison.OrdinalIgnoreCase);

    private async Task MeasureAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = RespaldoTracing.Source.StartActivity("intake");
        try
        {
            await next(context);
        }
        catch (Exception e)
        {
            var reason = ReasonFor(e);
            metrics.RecordRejected(reason, Stopwatch.GetElapsedTime(started));
            activity?.SetTag("respaldo.rejected", reason);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var response = context.Response;
        if (response.StatusCode == StatusCodes.Status201Created)
        {
            if (response.Headers.ContainsKey(RecordsEndpoints.ReplayedHeader))
            {
                metrics.RecordReplayed(elapsed);
            }
            else
            {
                metrics.RecordAccepted(elapsed);
            }
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag("respaldo.record", response.Headers.Location.ToString());
            }
            return;
        }
        var rejected = ReasonFor(response.StatusCode);
        metrics.RecordRejected(rejected, elapsed);
        activity?.SetTag("respaldo.rejected", rejected);
    }

    /// <summary>
    /// Every answer but 201 means nothing was stored; its status says why. A 400 is a body that is not a JSON
    /// record, or an unusable Idempotency-Key header: both are a malformed request.
    /// </summary>
    internal static string ReasonFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => Malformed,
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status409Conflict => IdempotencyConflict,
        StatusCodes.Status413PayloadTooLarge => TooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status422UnprocessableEntity => Validation,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status503ServiceUnavailable => SpoolUnavailable,
        StatusCodes.Status507InsufficientStorage => SpoolFull,
        _ => Error,
    };

    private static string ReasonFor(Exception e) => e switch
    {
        SpoolFullException => SpoolFull,
        SpoolUnavailableException => SpoolUnavailable,
        BadHttpRequestException b => ReasonFor(b.StatusCode),
        OperationCanceledException => ClientAborted,
        _ when IoErrors.IsDiskFull(e) => SpoolFull,
        _ => Error,
    };
}
