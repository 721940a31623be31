using System.CommandLine;
using Respaldo.Backup;
using Respaldo.Spool;

namespace Respaldo.Commands;

internal static class RestoreCommand
{
    public static Command Create()
    {
        var into = new Option<DirectoryInfo>("--into") { Description = "Folder to restore the record files into (created if missing).", Required = true, HelpName = "folder" };
        var from = new Option<DateOnly?>("--from") { Description = "First UTC receipt day to restore, e.g. 2026-11-01. Default: the first.", HelpName = "yyyy-mm-dd" };
        var to = new Option<DateOnly?>("--to") { Description = "Last UTC receipt day to restore, included. Default: the last.", HelpName = "yyyy-mm-dd" };
        var id = new Option<string?>("--id") { Description = "Restore only this record id (as returned by POST /store_data/).", HelpName = "record-id" };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object instead of a line of text, and no progress." };
        var command = new Command("restore", """
            Downloads backed-up records into a folder under their file names, verifies each against its stored checksum,
            and never overwrites an existing file that differs. Without --from, --to or --id it restores everything.
            On a terminal it shows live progress (files, bytes, rate); redirected, only the summary line.
            Exit codes: 0 all restored, 1 some failed, 2 invalid configuration or usage.
            Example: respaldo restore --into ./restored --from 2026-11-01 --to 2026-11-30
            Example: respaldo restore --into ./one --id 019376d2-7c1e-7b3a-9f00-5d2c1e0a4b11 --Backup:Destination=s3://my-bucket/records
            """)
        {
            into, from, to, id, json,
        }.AcceptingConfiguration();
        command.SetAction((result, ct) =>
        {
            Guid? recordId = null;
            if (result.GetValue(id) is { } text)
            {
                if (!RecordId.TryParse(text, out var parsed))
                {
                    Console.Error.WriteLine($"--id: '{text}' is not a record id (a UUIDv7 as returned by POST /store_data/).");
                    return Task.FromResult(ExitCodes.InvalidConfig);
                }
                recordId = parsed;
            }
            if (result.GetValue(from) is { } f && result.GetValue(to) is { } t && t < f)
            {
                Console.Error.WriteLine("--to is before --from.");
                return Task.FromResult(ExitCodes.InvalidConfig);
            }
            return CommandHost.RunAsync(result, async (host, token) =>
            {
                var request = new RestoreRequest(result.GetValue(into)!.FullName, result.GetValue(from), result.GetValue(to), recordId);
                var runner = host.Services.GetRequiredService<RestoreRunner>();
                var summary = await ConsoleProgress.TrackAsync("Restoring", totalKnown: false, result.GetValue(json),
                    progress => runner.RunAsync(request, progress, token));
                ConsoleProgress.PrintSummary(summary, result.GetValue(json));
                return summary.Failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
            }, ct);
        });
        return command;
    }
}
