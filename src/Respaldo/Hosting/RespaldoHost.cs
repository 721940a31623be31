using Respaldo.Backup;
using Respaldo.Operations;
using Respaldo.Records;
using Respaldo.Security;
using Respaldo.Spool;

namespace Respaldo.Hosting;

/// <summary>
/// Builds the program's hosts. Every command uses the same registrations, so configuration and its validation
/// behave identically in <c>serve</c>, <c>backup</c>, <c>restore</c> and <c>status</c>.
/// </summary>
internal static class RespaldoHost
{
    /// <summary>
    /// The content root is the program's own folder, not the working directory: configuration files come with
    /// the program, and ASP.NET Core's file watcher on the content root never sees the spool's writes.
    /// </summary>
    private static string ContentRoot => AppContext.BaseDirectory;

    public const string DefaultUrl = "http://127.0.0.1:8000";

    public static WebApplication BuildWebApp(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = ContentRoot });
        builder.AddRespaldoCore();
        builder.AddSpoolOwner();
        builder.AddRecords();
        builder.AddBackupSchedule();
        builder.AddHttpApi();
        builder.AddSecurity();
        builder.AddPrometheusMetrics();
        configureServices?.Invoke(builder.Services);
        // A start-up failure is told in one sentence by the serve command (StartupErrors); the host's own report of
        // it is a stack trace. Once the service runs, the host's errors are logged as usual.
        var started = false;
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level == LogLevel.Warning || level >= LogLevel.Error && Volatile.Read(ref started));
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            // The default address, used only when none of --urls, Urls or ASPNETCORE_URLS gives one.
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var app = builder.Build();
        app.Lifetime.ApplicationStarted.Register(() => Volatile.Write(ref started, true));
        app.UseExceptionHandler();
        app.UseProblemResponses();
        app.UseIntakeTelemetry();
        app.UseSecurity();
        app.MapHttpApi();
        app.MapRecords();
        app.MapBackup();
        app.MapHealth();
        app.MapMetrics();
        app.MapStatusPage();
        return app;
    }

    public static IHost BuildCommandHost(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = ContentRoot });
        // A verb's output is its stdout (a summary, --json); logs go to stderr, and only warnings unless configured.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter((_, level) => level >= LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None); // configuration errors are printed plainly instead
        // A run's failures are in the summary the verb prints on stdout; the runners' warnings would say them again.
        builder.Services.AddSingleton<ILogger<BackupRunner>, Commands.SummaryEchoFilter<BackupRunner>>();
        builder.Services.AddSingleton<ILogger<RestoreRunner>, Commands.SummaryEchoFilter<RestoreRunner>>();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.AddRespaldoCore();
        configureServices?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>What every command needs: the clock, the spool and (later) the backup.</summary>
    public static IHostApplicationBuilder AddRespaldoCore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        // Every loop catches its own errors (BackgroundLoop); one that still escapes stops the host, and serve then
        // exits non-zero so that the service manager restarts it, instead of living on without that loop.
        builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost);
        builder.AddTelemetry();
        builder.AddSpool();
        builder.AddBackup();
        return builder;
    }

    public static IHostApplicationBuilder AddHttpApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddHttpJson();
        builder.Services.AddExceptionHandler<ProblemMapping>();
        builder.Services.AddRespaldoOpenApi();
        return builder;
    }
}
