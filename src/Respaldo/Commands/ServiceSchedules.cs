using Respaldo.Backup;
using Respaldo.Spool;

namespace Respaldo.Commands;

/// <summary>
/// Which schedule <c>respaldo status</c> shows. The command reads its own settings, which need not be the running
/// service's (another environment file, another --Backup:Schedule), so it shows the schedule the running service
/// recorded at start-up when a service holds the spool folder, and otherwise says that its figures come from its own
/// settings, and that nothing is scheduled when no service runs.
/// </summary>
internal static class ServiceSchedules
{
    public static StatusReport Apply(StatusReport report, StateFile state, SpoolOptions spool)
    {
        var running = ServiceRunning(spool.StatePath);
        if (running && state.Service is { } service && Next(service, report.Now, out var next))
        {
            return report with { Schedule = service.Schedule, TimeZone = service.TimeZone, NextRun = next, ScheduleSource = "service", ServiceRunning = true };
        }
        // Without a service nothing runs on a schedule, whatever this command's settings say.
        return report with { NextRun = running ? report.NextRun : null, ScheduleSource = "settings", ServiceRunning = running };
    }

    /// <summary>What the Schedule line adds after the expression, so a person knows whose schedule it is.</summary>
    public static string Origin(StatusReport report) => (report.ScheduleSource, report.ServiceRunning) switch
    {
        ("service", _) => ", the running service's",
        ("settings", true) => ", from this command's settings; the running service did not record its own (see its GET /status)",
        ("settings", _) => ", from this command's settings; no service is running on this spool folder, so nothing is scheduled",
        _ => "",
    };

    private static bool Next(ServiceSchedule service, DateTimeOffset now, out DateTimeOffset? next)
    {
        next = null;
        if (string.Equals(service.Schedule, BackupOptions.ScheduleOff, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        try
        {
            next = BackupSchedule.Parse(service.Schedule).GetNextOccurrence(now, TimeZoneInfo.FindSystemTimeZoneById(service.TimeZone));
            return true;
        }
        catch (Exception e) when (e is Cronos.CronFormatException or TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false; // a record this version cannot read: fall back on the command's own settings, said so
        }
    }

    /// <summary>
    /// Whether a service holds the spool folder: SpoolOwner keeps an exclusive lock on <c>.respaldo/serve.lock</c> for
    /// its lifetime, so a shared lock fails exactly then. Opened read-only and never created: status changes nothing.
    /// </summary>
    private static bool ServiceRunning(string statePath)
    {
        try
        {
            using var probe = new FileStream(Path.Combine(statePath, "serve.lock"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
