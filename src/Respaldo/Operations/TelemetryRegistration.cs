using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Respaldo.Hosting;
using Respaldo.Security;

namespace Respaldo.Operations;

internal sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// Where to send traces and metrics over OTLP, e.g. http://collector:4317. The standard
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (and the other <c>OTEL_*</c> variables) work too; this setting wins.
    /// Unset, nothing is exported and spans are never even created.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    public static bool IsValidEndpoint(string? endpoint) => string.IsNullOrEmpty(endpoint)
        || Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}

internal static class TelemetryRegistration
{
    private const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// What every command has: the log format, the service's instruments, and the OTLP exporter for traces and
    /// metrics when an endpoint is configured, so that a command-line backup run is traced like a served one.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.AddLogFormat();
        builder.Services.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section, static (section, o) => section.Bind(o))
            .RejectUnknownKeys(TelemetryOptions.Section)
            .Validate(o => TelemetryOptions.IsValidEndpoint(o.OtlpEndpoint),
                "Telemetry:OtlpEndpoint: not an absolute http(s) URL (e.g. http://collector:4317).");
        builder.Services.AddSingleton<RespaldoMetrics>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("respaldo"))
            .WithMetrics(m => m.AddMeter(RespaldoMetrics.MeterName));
        builder.Services.ConfigureOpenTelemetryMeterProvider(OnlyThisHostsMeters);

        var endpoint = builder.Configuration[$"{TelemetryOptions.Section}:{nameof(TelemetryOptions.OtlpEndpoint)}"];
        if (!string.IsNullOrEmpty(endpoint) && TelemetryOptions.IsValidEndpoint(endpoint))
        {
            // The exporter reads the standard variable from configuration, and then also appends the signal's
            // path (/v1/traces) when the protocol is http/protobuf; giving it the setting that way keeps that.
            builder.Configuration.AddInMemoryCollection([new(OtlpEndpointVariable, endpoint)]);
        }
        if (!string.IsNullOrEmpty(builder.Configuration[OtlpEndpointVariable]))
        {
            builder.Services.AddOpenTelemetry()
                .WithTracing(t => t.AddSource(RespaldoTracing.SourceName).AddAspNetCoreInstrumentation().AddOtlpExporter())
                .WithMetrics(m => m.AddOtlpExporter());
        }
        return builder;
    }

    /// <summary>
    /// The service's scrape endpoint: Respaldo's instruments, the backlog gauges, ASP.NET Core's request and
    /// Kestrel's connection metrics, and the runtime's (GC, memory, thread pool). Not routing's or the rate
    /// limiter's per-request meters: each would add work to every intake request for little news.
    /// </summary>
    public static IHostApplicationBuilder AddPrometheusMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BacklogGauges>();
        builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
                // No response cache: a scrape right after a change shows it.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    /// <summary>
    /// Meters are matched by name across the whole process, so a second host in the same process (as in the
    /// tests) would otherwise add its counts to this one's. Meters made by another host's factory are dropped;
    /// process-wide ones (the runtime's) have no factory and stay.
    /// </summary>
    private static void OnlyThisHostsMeters(IServiceProvider services, MeterProviderBuilder metrics)
    {
        var own = services.GetRequiredService<IMeterFactory>();
        metrics.AddView(instrument =>
            instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, own) ? Bounded : MetricStreamConfiguration.Drop);
    }

    /// <summary>
    /// Series per metric. OpenTelemetry allocates every metric's series up front, 2,000 by default: with the ~50
    /// metrics scraped here that was 7 MB of the service's heap (the largest live block in a heap dump, all of its
    /// large-object heap), for series that never exist. The widest metric is ASP.NET Core's request duration, about
    /// routes × methods × status codes actually answered, well under this; past it, OpenTelemetry folds further
    /// series into one marked <c>otel_metric_overflow</c>, so totals stay right.
    /// </summary>
    private static readonly MetricStreamConfiguration Bounded = new() { CardinalityLimit = 200 };

    /// <summary>Goes after the exception handler and before the API-key check and the rate limiter (see <see cref="IntakeTelemetry"/>).</summary>
    public static WebApplication UseIntakeTelemetry(this WebApplication app)
    {
        app.UseMiddleware<IntakeTelemetry>();
        return app;
    }

    /// <summary>Counts this endpoint's requests as intake in <c>respaldo_records_*</c> and <c>respaldo_intake_duration_seconds</c>.</summary>
    public static TBuilder WithIntakeTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(IntakeTelemetry.Marker.Instance);

    /// <summary><c>GET /metrics</c> in Prometheus text format, behind the API key when keys are configured.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        // The gauges exist once something asks for them; ask now, so the first scrape has them.
        app.Services.GetRequiredService<BacklogGauges>();
        app.MapPrometheusScrapingEndpoint("/metrics").RequireApiKey();
        return app;
    }
}
