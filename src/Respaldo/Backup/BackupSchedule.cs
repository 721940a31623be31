using Cronos;
using Microsoft.Extensions.Options;

namespace Respaldo.Backup;

/// <summary>The parsed <c>Backup:Schedule</c> and <c>Backup:TimeZone</c>; validated at start-up.</summary>
internal sealed class BackupSchedule
{
    public BackupSchedule(IOptions<BackupOptions> options)
    {
        var o = options.Value;
        Zone = string.IsNullOrWhiteSpace(o.TimeZone) ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(o.TimeZone);
        Expression = o.ScheduleEnabled ? Parse(o.Schedule) : null;
    }

    public CronExpression? Expression { get; }
    public TimeZoneInfo Zone { get; }

    public DateTimeOffset? NextAfter(DateTimeOffset now) => Expression?.GetNextOccurrence(now, Zone);

    /// <summary>Whether a run fell due in (<paramref name="since"/>, <paramref name="now"/>]: a run the service missed while it was down.</summary>
    public bool WasDueBetween(DateTimeOffset since, DateTimeOffset now) =>
        Expression?.GetNextOccurrence(since, Zone) is { } due && due <= now;

    public static CronExpression Parse(string schedule) =>
        CronExpression.Parse(schedule, schedule.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6
            ? CronFormat.IncludeSeconds : CronFormat.Standard);

    public static bool IsValid(BackupOptions o)
    {
        try
        {
            _ = o.ScheduleEnabled ? Parse(o.Schedule) : null;
            return true;
        }
        catch (CronFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// A valid expression with no occurrence at all (<c>0 0 30 2 *</c>): cron has no year, so one that does not occur
    /// between 1970 and Cronos's last year never will. Searched from a fixed instant, not the clock.
    /// </summary>
    public static bool NeverFires(BackupOptions o) =>
        o.ScheduleEnabled && Parse(o.Schedule).GetNextOccurrence(DateTime.UnixEpoch) is null;

    public static bool IsValidZone(string? zone) =>
        string.IsNullOrWhiteSpace(zone) || TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _);
}
