using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Respaldo.Security;

/// <summary>
/// A token bucket per client on intake (<see cref="ClientTokenBucket"/>): one client cannot fill the spool or starve
/// the others. The client is its IP address: the connection's, or behind the proxies listed in
/// <c>Security:TrustedProxies</c> the one they forward (see <see cref="TrustedProxies"/>); without that, every client
/// behind a proxy would share one bucket. A rejected request is answered 429 with Retry-After before its body is read,
/// so nothing is written.
/// </summary>
internal static class IntakeRateLimit
{
    public const string Policy = "intake";

    /// <summary>Applies the per-client intake limit (<c>Security:RateLimit</c>) to the endpoint.</summary>
    public static TBuilder RequireIntakeRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(Policy).WithMetadata(TooManyRequests);

    public static void Configure(RateLimiterOptions options)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = RejectAsync;
        options.AddPolicy(Policy, Partition);
    }

    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var client = ClientOf(context.Connection.RemoteIpAddress);
        return limits.PermitsPerSecond == 0
            ? RateLimitPartition.GetNoLimiter(client)
            : RateLimitPartition.Get(client, _ => CreateBucket(limits, time));
    }

    internal static RateLimiter CreateBucket(RateLimitOptions limits, TimeProvider time) =>
        new ClientTokenBucket(limits.PermitsPerSecond, limits.EffectiveBurst, time);

    /// <summary>
    /// The bucket a client's requests share: its IPv4 address, or its IPv6 /64 — one host usually owns a whole /64 and
    /// can rotate through it, so a per-address bucket would be no limit at all.
    /// </summary>
    internal static string ClientOf(IPAddress? address)
    {
        if (address is { IsIPv4MappedToIPv6: true })
        {
            address = address.MapToIPv4();
        }
        if (address is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } && !IPAddress.IsLoopback(address))
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }
        return address?.ToString() ?? "unknown";
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        var http = context.HttpContext;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        // TypedResults.Problem, unlike IProblemDetailsService.WriteAsync, still answers when Accept excludes JSON.
        await Hosting.ProblemTypes.Problem(StatusCodes.Status429TooManyRequests, "Too many requests",
            $"This client sent records faster than Security:RateLimit allows; nothing was stored. Retry after {seconds} s.")
            .ExecuteAsync(http);
    }

    private static readonly IProducesResponseTypeMetadata TooManyRequests =
        new ProducesResponseTypeMetadata(StatusCodes.Status429TooManyRequests, typeof(ProblemDetails), ["application/problem+json"]);
}
