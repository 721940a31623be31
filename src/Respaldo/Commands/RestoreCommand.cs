using System.CommandLine;
using Respaldo.Backup;
using Respaldo.Spool;

namespace Respaldo.Commands;

internal static class RestoreCommand
{
    public static Command Create()
    {
        var into = new Option<DirectoryInfo>("--into") { Description = "Folder to restore the record files into (created if missing).", Required = true, HelpName = "folder" };
        var from = new Option<DateOnly?>("--from") { Description = "First UTC receipt day to restore, e.g. 2026-11-01. Default: the first.", HelpName = "yyyy-mm-dd", CustomParser = Day };
        var to = new Option<DateOnly?>("--to") { Description = "Last UTC receipt day to restore, included. Default: the last.", HelpName = "yyyy-mm-dd", CustomParser = Day };
        var id = new Option<string?>("--id") { Description = "Restore only this record id (as returned by POST /store_data/).", HelpName = "record-id" };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object instead of a line of text, and no progress." };
        var command = new Command("restore", """
            Downloads backed-up records into a folder under their file names, verifies each against its stored checksum,
            and never overwrites an existing file that differs. Without --from, --to or --id it restores everything.
            On a terminal it shows live progress (files, bytes, rate); redirected, only the summary line.
            Exit codes: 0 all restored, 1 some failed, 2 invalid configuration or usage (including an --into folder this user cannot write).
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
                    return Task.FromResult(Usage.Fail(result, $"--id: '{text}' is not a record id (a UUIDv7 as returned by POST /store_data/)."));
                }
                recordId = parsed;
            }
            if (result.GetValue(from) is { } f && result.GetValue(to) is { } t && t < f)
            {
                return Task.FromResult(Usage.Fail(result, $"--to ({t:yyyy-MM-dd}) is before --from ({f:yyyy-MM-dd}); give the earlier day first."));
            }
            var folder = result.GetValue(into)!.FullName;
            // Before the host and before anything is downloaded: a folder this user cannot make or write is a usage
            // mistake, told in one sentence, not a run that "fails 1 of 0 files".
            if (RestoreFolder.Problem(folder) is { } problem)
            {
                return Task.FromResult(Usage.Fail(result, problem));
            }
            return CommandHost.RunAsync(result, async (host, token) =>
            {
                // A mistyped folder destination would restore nothing and call it success; and --into stays uncreated.
                if (host.Services.GetRequiredService<IBackupDestination>() is DirectoryDestination { Root: var root } && !Directory.Exists(root))
                {
                    await Console.Error.WriteLineAsync($"Backup:Destination: the backup folder {root} does not exist; check the setting "
                        + "(the folder backups were written to, or an S3 destination written as s3://bucket/prefix).");
                    return ExitCodes.InvalidConfig;
                }
                var request = new RestoreRequest(folder, result.GetValue(from), result.GetValue(to), recordId);
                var runner = host.Services.GetRequiredService<RestoreRunner>();
                var summary = await ConsoleProgress.TrackAsync("Restoring", totalKnown: false, result.GetValue(json),
                    progress => runner.RunAsync(request, progress, token));
                ConsoleProgress.PrintSummary(RestoreReport.From(summary, folder) with { Ranged = request.From is not null || request.To is not null },
                    result.GetValue(json));
                return summary.Failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
            }, ct);
        });
        return command;
    }

    /// <summary>A day as yyyy-mm-dd; anything else is a usage error that says so, without the parser's type names.</summary>
    private static DateOnly? Day(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day))
        {
            return day;
        }
        var option = (result.Parent as System.CommandLine.Parsing.OptionResult)?.Option.Name ?? "the date";
        result.AddError($"{option}: '{text}' is not a date; write it as yyyy-mm-dd, e.g. 2026-11-01.");
        return null;
    }
}
