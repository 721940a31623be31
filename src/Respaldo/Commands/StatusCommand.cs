using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Respaldo.Backup;
using Respaldo.Spool;

namespace Respaldo.Commands;

internal static class StatusCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the status as JSON (the same document as GET /status)." };
        var command = new Command("status", """
            Shows the backlog (pending files, bytes, oldest record), the last backup run, the next scheduled run and the destination.
            The schedule is the running service's (as it recorded it in the spool folder) when a service uses the folder;
            otherwise this command's own settings, and nothing is scheduled.
            Exit codes: 0 shown, 2 invalid configuration or usage, or the spool folder does not exist.
            Example: respaldo status --Storage:Directory=/var/lib/respaldo/records
            Example: respaldo status --json
            """)
        {
            json,
        }.AcceptingConfiguration();
        command.SetAction((result, ct) => CommandHost.RunAsync(result, (host, _) =>
        {
            var spool = host.Services.GetRequiredService<RecordSpool>();
            if (SpoolPrecheck.Problem(spool.Directory, write: false) is { } problem)
            {
                Console.Error.WriteLine(problem);
                return Task.FromResult(ExitCodes.InvalidConfig);
            }
            spool.Rescan(); // this process has no running index
            var report = ServiceSchedules.Apply(host.Services.GetRequiredService<BackupStatus>().Report(),
                host.Services.GetRequiredService<BackupState>().Read(), host.Services.GetRequiredService<IOptions<SpoolOptions>>().Value);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, StatusJson.Default.StatusReport));
            }
            else
            {
                ConsoleProgress.PrintStatus(report);
            }
            return Task.FromResult(ExitCodes.Success);
        }, ct));
        return command;
    }
}
