using System.CommandLine;
using System.Text.Json;
using Respaldo.Backup;
using Respaldo.Spool;

namespace Respaldo.Commands;

internal static class BackupCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "List each spooled file and the key it would be uploaded to, and change nothing." };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object instead of a line of text, and no progress." };
        var command = new Command("backup", """
            Backs up every spooled record now, deleting each local file only after its upload is verified.
            On a terminal it shows live progress (files, bytes, rate, time left); redirected, only the summary line.
            Exit codes: 0 all uploaded, 1 some failed and stay spooled, 2 invalid configuration or usage, 3 another run in progress.
            Example: respaldo backup --Backup:Destination=s3://my-bucket/records
            Example: respaldo backup --dry-run --Storage:Directory=/var/lib/respaldo/records
            From cron, run it as the service's user with the service's settings (deploy/crontab.example), e.g. in /etc/cron.d/respaldo:
              15 * * * * respaldo cd /var/lib/respaldo && set -a && Storage__Directory=/var/lib/respaldo/records && . /etc/respaldo/respaldo.env && set +a && /opt/respaldo/Respaldo backup
            """)
        {
            dryRun, json,
        }.AcceptingConfiguration();
        command.SetAction((result, ct) => CommandHost.RunAsync(result, async (host, token) =>
        {
            // Before the runner is resolved: its lock would create a mistyped spool folder and back up nothing.
            var folder = host.Services.GetRequiredService<RecordSpool>().Directory;
            if (SpoolPrecheck.Problem(folder, write: !result.GetValue(dryRun)) is { } problem)
            {
                await Console.Error.WriteLineAsync(problem);
                return ExitCodes.InvalidConfig;
            }
            var runner = host.Services.GetRequiredService<BackupRunner>();
            if (result.GetValue(dryRun))
            {
                return PrintPlan(runner, result.GetValue(json));
            }
            try
            {
                var summary = await ConsoleProgress.TrackAsync("Backing up", totalKnown: true, result.GetValue(json),
                    progress => runner.RunAsync("command", progress, token));
                ConsoleProgress.PrintSummary(summary, result.GetValue(json));
                return summary.Failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
            }
            catch (BackupBusyException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return ExitCodes.Busy;
            }
        }, ct));
        return command;
    }

    private static int PrintPlan(BackupRunner runner, bool json)
    {
        if (json)
        {
            var report = DryRunReport.Of(runner.Plan(), runner.Destination, runner.Layout);
            Console.WriteLine(JsonSerializer.Serialize(report, StatusJson.Default.DryRunReport));
            return ExitCodes.Success;
        }
        var count = 0;
        long bytes = 0;
        var objects = 0;
        foreach (var planned in runner.Plan())
        {
            Console.WriteLine(planned.Source is { } source
                ? $"{source} -> {planned.Key} ({planned.Bytes} bytes)"
                : $"{Counted.Of(planned.Records, "file")} -> {planned.Key} ({Counted.Of(planned.Bytes, "byte")})");
            objects++;
            count += planned.Records;
            bytes += planned.Bytes;
        }
        Console.WriteLine($"Dry run: {Counted.Of(count, "file")}, {Counted.Of(bytes, "byte")} would be uploaded to {runner.Destination} as {Counted.Of(objects, "object")} ({runner.Layout} layout). Nothing was changed.");
        return ExitCodes.Success;
    }
}
