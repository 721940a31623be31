using System.Text.Json;
using Respaldo.Backup;
using Spectre.Console;

namespace Respaldo.Commands;

/// <summary>
/// How the verbs show runs and status on the console. On a terminal a run shows a live progress line (files,
/// bytes, rate, time left); redirected to a file or a pipe (cron, scripts) it prints only the summary lines,
/// unchanged, because scripts read them.
/// </summary>
internal static class ConsoleProgress
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);

    /// <summary>Terminals at least this wide get the full progress line (with the rate); narrower ones the compact one.</summary>
    private const int WideTerminal = 110;

    /// <summary>Live progress is for people: only when stdout is a terminal that can redraw, and never with --json.</summary>
    public static bool IsLive(bool json) =>
        !json && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "" or "dumb");

    /// <summary>
    /// Runs <paramref name="run"/>, drawing its progress while it goes when <see cref="IsLive"/>.
    /// <paramref name="totalKnown"/>: a backup knows its file count at the start; a restore learns it while listing.
    /// </summary>
    public static async Task<RunSummary> TrackAsync(
        string description, bool totalKnown, bool json, Func<IProgress<RunProgress>?, Task<RunSummary>> run)
    {
        if (!IsLive(json))
        {
            return await run(null);
        }
        var latest = new Latest();
        RunSummary? summary = null;
        // On a terminal narrower than the full line (80 columns is the classic width) the rate goes and the bar and
        // the counts shrink, so the line stays one line instead of wrapping into a second row on every redraw.
        var compact = AnsiConsole.Profile.Width < WideTerminal;
        ProgressColumn[] columns =
        [
            new TaskDescriptionColumn(), new ProgressBarColumn { Width = compact ? 10 : 24 },
            .. totalKnown ? [new PercentageColumn()] : Array.Empty<ProgressColumn>(),
            new ProgressColumns.Files { Compact = compact },
            .. compact ? Array.Empty<ProgressColumn>() : [new ProgressColumns.Rate()],
            new ProgressColumns.TimeLeft(),
        ];
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(columns)
            .StartAsync(async context =>
            {
                var task = context.AddTask(description, maxValue: 1);
                task.IsIndeterminate = !totalKnown;
                var work = run(latest);
                // The runner reports from its parallel uploads; the display takes the latest figures at its own pace.
                while (await Task.WhenAny(work, Task.Delay(Refresh)) != work)
                {
                    Show(task, latest.Value, totalKnown);
                }
                summary = await work;
                var final = new RunProgress(summary.Files, summary.Uploaded, summary.Failed, summary.Skipped, summary.Bytes);
                task.IsIndeterminate = false;
                Show(task, final, totalKnown: true);
                task.StopTask();
            });
        return summary!;
    }

    private static void Show(ProgressTask task, RunProgress? progress, bool totalKnown)
    {
        if (progress is null)
        {
            return;
        }
        task.Tag = progress;
        // While a restore is still listing, the end is unknown: keep the task short of finished.
        task.MaxValue = totalKnown ? Math.Max(progress.Files, 1) : progress.Done + 1;
        task.Value = progress.Files == 0 && totalKnown ? task.MaxValue : progress.Done;
    }

    /// <summary>
    /// A run's result goes to stdout, and only there: the summary line and its first errors (or the JSON object).
    /// The verbs keep the runners' own reports of the same failures off stderr (see RespaldoHost.BuildCommandHost),
    /// so that each failure is printed once; stderr is for what stops a verb (usage, configuration, a busy lock).
    /// </summary>
    public static void PrintSummary(RunSummary summary, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(summary, StatusJson.Default.RunSummary));
            return;
        }
        PrintText(summary.ToText(), summary.FirstErrors, summary.Failed);
    }

    public static void PrintSummary(RestoreReport report, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(report, StatusJson.Default.RestoreReport));
            return;
        }
        PrintText(report.ToText(), report.FirstErrors, report.Failed);
    }

    private static void PrintText(string summary, List<string> firstErrors, int failed)
    {
        Console.WriteLine(summary);
        foreach (var error in firstErrors)
        {
            Console.WriteLine("  " + error);
        }
        if (failed > firstErrors.Count && firstErrors.Count > 0)
        {
            // The runner keeps only the first errors; the counts by kind above cover the rest.
            Console.WriteLine($"  ... and {failed - firstErrors.Count} more failed (counted by kind above).");
        }
    }

    /// <summary>A compact two-column table; the words stay plain ("4 files") so that scripts can still find them.</summary>
    public static void PrintStatus(StatusReport report)
    {
        var p = report.Pending;
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        Row(table, "Pending", $"{Counted.Of(p.Files, "file")}, {ProgressColumns.Bytes(p.Bytes)}");
        Row(table, "Oldest", p.OldestReceivedAt is { } o ? $"received {o:u} ({ProgressColumns.Duration(TimeSpan.FromSeconds(p.OldestAgeSeconds ?? 0))} ago)" : "none");
        Row(table, "Destination", $"{report.Destination} ({report.Layout} layout)");
        Row(table, "Schedule", $"{report.Schedule} ({report.TimeZone}){ServiceSchedules.Origin(report)}");
        Row(table, "Next run", report.NextRun is { } n ? $"{n:u} (in {ProgressColumns.Duration(n - report.Now)})" : "not scheduled");
        Row(table, "Last run", report.LastRun?.ToText() ?? "none yet");
        foreach (var error in report.LastRun?.FirstErrors ?? [])
        {
            Row(table, "", error);
        }
        AnsiConsole.Write(table);
    }

    private static void Row(Table table, string label, string value) =>
        table.AddRow(new Text(label, new Style(decoration: Decoration.Bold)), new Text(value));

    /// <summary>Keeps the last report; called concurrently by the runner's uploads.</summary>
    private sealed class Latest : IProgress<RunProgress>
    {
        private RunProgress? _value;

        public RunProgress? Value => Volatile.Read(ref _value);

        public void Report(RunProgress value) => Volatile.Write(ref _value, value);
    }
}
