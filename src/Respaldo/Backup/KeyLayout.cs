using System.Globalization;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// <c>{prefix}/{yyyy}/{MM}/{dd}/{id}.json</c>, dated by the record's UTC receipt time (carried in its UUIDv7 id).
/// Deterministic keys make a re-run after a crash an overwrite with identical bytes, never a duplicate, and let
/// any instance find any record from its id alone.
/// </summary>
internal static class KeyLayout
{
    public static string KeyFor(string prefix, Guid id)
    {
        var day = RecordId.Timestamp(id).UtcDateTime;
        var relative = string.Create(CultureInfo.InvariantCulture, $"{day:yyyy}/{day:MM}/{day:dd}/{RecordId.FileName(id)}");
        return prefix.Length == 0 ? relative : prefix + "/" + relative;
    }

    /// <summary>The key prefix holding every record received on <paramref name="day"/> (UTC).</summary>
    public static string DayPrefix(string prefix, DateOnly day)
    {
        var relative = day.ToString("yyyy/MM/dd/", CultureInfo.InvariantCulture);
        return prefix.Length == 0 ? relative : prefix + "/" + relative;
    }

    public static bool TryParseKey(string key, out Guid id) =>
        RecordId.TryParseFileName(key[(key.LastIndexOf('/') + 1)..], out id);
}
