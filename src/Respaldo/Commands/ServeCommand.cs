using System.CommandLine;
using Microsoft.Extensions.Options;
using Respaldo.Hosting;
using Respaldo.Spool;

namespace Respaldo.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", """
            Runs the HTTP service (the default when no verb is given): intake, read-back, status and the backup schedule.
            A status page for people is at /, Prometheus metrics at /metrics, the API documentation at /docs.
            --urls sets where it listens (default http://127.0.0.1:8000).
            Exit codes: 0 stopped, 1 could not start but may after a restart (port or spool folder in use or not writable),
            2 invalid configuration or usage.
            Example: respaldo serve --urls http://0.0.0.0:8000 --Backup:Destination=s3://my-bucket/records
            """)
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((result, ct) => RunAsync([.. result.UnmatchedTokens], ct));
        return command;
    }

    public static async Task<int> RunAsync(string[] configArgs, CancellationToken ct, Action<IServiceCollection>? configureServices = null)
    {
        try
        {
            await using var app = RespaldoHost.BuildWebApp(configArgs, configureServices);
            // First of all, before the spool folder is created or recovered: an address Kestrel cannot use.
            if (ListenCheck.Problem(app.Configuration[WebHostDefaults.ServerUrlsKey], app.Configuration) is { } listen)
            {
                throw new StartupException(listen.Message, listen.ExitCode);
            }
            ListenCheck.TellHostNames(app.Configuration[WebHostDefaults.ServerUrlsKey], app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ListenCheck)));
            // Every setting before the spool folder is created: a service refused for a bad (or misspelt) setting
            // leaves nothing behind, as `check` does. The host would run the same validation at start, too late.
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            // Before anything starts: a folder the service's user cannot write is one sentence, not a stack trace
            // from deep inside the writer's constructor.
            if (SpoolAccess.Problem(app.Services.GetRequiredService<IOptions<SpoolOptions>>().Value.FullPath, create: true) is { } problem)
            {
                throw new StartupException(problem, ExitCodes.Failed);
            }
            var loops = HostFaults.Loops(app.Services); // before RunAsync, which disposes the services
            try
            {
                await app.RunAsync();
            }
            catch (OperationCanceledException) when (HostFaults.AnyFaulted(loops))
            {
                // A background service failed while the host was still starting: start-up was cancelled.
            }
            // The host also stops when a background service failed (BackgroundServiceExceptionBehavior.StopHost),
            // and RunAsync then returns normally: say so with the exit code, or systemd's Restart=on-failure would
            // leave the service down for good.
            return HostFaults.AnyFaulted(loops) ? ExitCodes.Failed : ExitCodes.Success;
        }
        catch (Exception e) when (StartupErrors.Describe(e) is { } error)
        {
            await Console.Error.WriteLineAsync(error.Message);
            return error.ExitCode;
        }
    }
}

internal static class HostFaults
{
    public static List<BackgroundService> Loops(IServiceProvider services) =>
        [.. services.GetServices<IHostedService>().OfType<BackgroundService>()];

    public static bool AnyFaulted(IEnumerable<BackgroundService> loops) => loops.Any(s => s.ExecuteTask is { IsFaulted: true });
}
