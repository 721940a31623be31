using System.Globalization;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// The keys both layouts use, dated by the record's UTC receipt time (carried in its UUIDv7 id).
/// Record: <c>{prefix}/{yyyy}/{MM}/{dd}/{id}.json</c>. Bundle: <c>{prefix}/year=YYYY/month=MM/day=DD/hour=HH/{first}_{last}.ndjson.gz</c>
/// (Hive-style partitions, so query engines prune by time; the name carries the first and last id it holds).
/// Deterministic keys make a re-run after a crash an overwrite with identical bytes, never a duplicate, and let any
/// instance find any record from its id alone.
/// </summary>
internal static class KeyLayout
{
    public const string BundleExtension = ".ndjson.gz";

    public static string KeyFor(string prefix, Guid id)
    {
        var day = RecordId.Timestamp(id).UtcDateTime;
        return Join(prefix, string.Create(CultureInfo.InvariantCulture, $"{day:yyyy}/{day:MM}/{day:dd}/{RecordId.FileName(id)}"));
    }

    /// <summary>The key prefix holding every record received on <paramref name="day"/> (UTC).</summary>
    public static string DayPrefix(string prefix, DateOnly day) => Join(prefix, day.ToString("yyyy/MM/dd/", CultureInfo.InvariantCulture));

    public static bool TryParseKey(string key, out Guid id) =>
        RecordId.TryParseFileName(key[(key.LastIndexOf('/') + 1)..], out id);

    /// <summary>The hour partition a record's bundle lives in.</summary>
    public static string HourPrefix(string prefix, Guid id)
    {
        var t = RecordId.Timestamp(id).UtcDateTime;
        return Join(prefix, string.Create(CultureInfo.InvariantCulture, $"year={t:yyyy}/month={t:MM}/day={t:dd}/hour={t:HH}/"));
    }

    /// <summary>The partition prefix of every bundle of <paramref name="day"/> (UTC).</summary>
    public static string BundleDayPrefix(string prefix, DateOnly day) =>
        Join(prefix, day.ToString("'year='yyyy'/month='MM'/day='dd'/'", CultureInfo.InvariantCulture));

    public static string BundleKey(string prefix, Guid first, Guid last) => HourPrefix(prefix, first) + $"{first:D}_{last:D}{BundleExtension}";

    /// <summary>Parses a bundle key's name into the first and last id it holds.</summary>
    public static bool TryParseBundleKey(string key, out Guid first, out Guid last)
    {
        first = last = Guid.Empty;
        var name = key[(key.LastIndexOf('/') + 1)..];
        if (!name.EndsWith(BundleExtension, StringComparison.Ordinal) || name.Length != 36 + 1 + 36 + BundleExtension.Length || name[36] != '_')
        {
            return false;
        }
        return RecordId.TryParse(name[..36], out first) && RecordId.TryParse(name[37..73], out last);
    }

    /// <summary>
    /// What to list for the UTC days from..to: a bounded range day by day (restoring one week of a ten-year bucket
    /// lists one week), otherwise the whole prefix.
    /// </summary>
    public static IEnumerable<string> ListingPrefixes(string prefix, DateOnly? from, DateOnly? to, Func<string, DateOnly, string> dayPrefix) =>
        from is { } f && to is { } t && t.DayNumber - f.DayNumber <= 400
            ? Enumerable.Range(0, t.DayNumber - f.DayNumber + 1).Select(d => dayPrefix(prefix, f.AddDays(d)))
            : [prefix.Length == 0 ? "" : prefix + "/"];

    private static string Join(string prefix, string relative) => prefix.Length == 0 ? relative : prefix + "/" + relative;
}
