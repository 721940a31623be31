using System.Text.Json;
using Respaldo.Backup;

namespace Respaldo.Commands;

/// <summary>How the verbs show runs and status on the console.</summary>
internal static class ConsoleProgress
{
    public static IProgress<RunProgress>? For(bool json) => null;

    public static void PrintSummary(RunSummary summary, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(summary, StatusJson.Default.RunSummary));
            return;
        }
        Console.WriteLine(summary.ToText());
        foreach (var error in summary.FirstErrors)
        {
            Console.WriteLine("  " + error);
        }
    }

    public static void PrintStatus(StatusReport report)
    {
        var p = report.Pending;
        Console.WriteLine($"Pending:     {p.Files} files, {p.Bytes} bytes" + (p.OldestReceivedAt is { } o ? $", oldest received {o:u} ({p.OldestAgeSeconds:0} s ago)" : ""));
        Console.WriteLine($"Destination: {report.Destination}");
        Console.WriteLine($"Schedule:    {report.Schedule} ({report.TimeZone})" + (report.NextRun is { } n ? $", next run {n:u}" : ""));
        Console.WriteLine("Last run:    " + (report.LastRun?.ToText() ?? "none yet"));
        foreach (var error in report.LastRun?.FirstErrors ?? [])
        {
            Console.WriteLine("  " + error);
        }
    }
}
