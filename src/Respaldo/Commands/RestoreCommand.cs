using System.CommandLine;
using Respaldo.Backup;
using Respaldo.Spool;

namespace Respaldo.Commands;

internal static class RestoreCommand
{
    public static Command Create()
    {
        var into = new Option<DirectoryInfo>("--into") { Description = "Folder to restore the record files into (created if missing).", Required = true };
        var from = new Option<DateOnly?>("--from") { Description = "First UTC receipt day to restore, e.g. 2026-11-01." };
        var to = new Option<DateOnly?>("--to") { Description = "Last UTC receipt day to restore, included." };
        var id = new Option<string?>("--id") { Description = "Restore only this record id." };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON." };
        var command = new Command("restore", """
            Downloads backed-up records into a folder under their file names, verifies each against its stored checksum,
            and never overwrites an existing file that differs.
            Exit codes: 0 all restored, 1 some failed, 2 invalid configuration or usage.
            Example: respaldo restore --into ./restored --from 2026-11-01 --to 2026-11-30
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
                var summary = await host.Services.GetRequiredService<RestoreRunner>()
                    .RunAsync(request, ConsoleProgress.For(result.GetValue(json)), token);
                ConsoleProgress.PrintSummary(summary, result.GetValue(json));
                return summary.Failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
            }, ct);
        });
        return command;
    }
}
