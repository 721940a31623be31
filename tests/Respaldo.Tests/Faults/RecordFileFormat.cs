using System.Globalization;
using System.Text;

namespace Respaldo.Tests.Faults;

/// <summary>
/// The on-disk format as README documents it, written out by hand: the bytes a record file must hold, made without
/// Respaldo's serializer, so a change in what the product writes is a test failure rather than a shared mistake.
/// <c>{"id":"…","receivedAt":"…","nombre":"…","edad":N,"profesion":"…"}</c>, UTF-8, text as received (only the
/// quote, the backslash and control characters escaped), the time in UTC as ISO 8601 with the fraction's trailing
/// zeros left out.
/// </summary>
internal static class RecordFileFormat
{
    public static byte[] Expected(Guid id, DateTimeOffset receivedAt, string nombre, int edad, string profesion)
    {
        var json = new StringBuilder("{\"id\":\"").Append(id.ToString("D")).Append("\",\"receivedAt\":\"").Append(Time(receivedAt))
            .Append("\",\"nombre\":").Append(Text(nombre))
            .Append(",\"edad\":").Append(edad.ToString(CultureInfo.InvariantCulture))
            .Append(",\"profesion\":").Append(Text(profesion)).Append('}');
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    /// <summary>The key a record must have in the destination under any prefix: <c>{yyyy}/{MM}/{dd}/{id}.json</c>, dated by the id's UUIDv7 time.</summary>
    public static string KeySuffix(Guid id)
    {
        var day = Time(id);
        return string.Create(CultureInfo.InvariantCulture, $"{day:yyyy}/{day:MM}/{day:dd}/{id:D}.json");
    }

    /// <summary>
    /// Whether <paramref name="key"/> is where the record <paramref name="id"/> belongs under any prefix: its own object
    /// (<see cref="KeySuffix"/>), or a line of a bundle in the record's hour partition, as the bundle tests expand
    /// them (<c>…/year=YYYY/month=MM/day=DD/hour=HH/{bundle}.ndjson.gz/{id}.json</c>).
    /// </summary>
    public static bool IsExpectedKey(string key, Guid id)
    {
        if (key.EndsWith("/" + KeySuffix(id), StringComparison.Ordinal) || key == KeySuffix(id))
        {
            return true;
        }
        var t = Time(id);
        var partition = string.Create(CultureInfo.InvariantCulture, $"year={t:yyyy}/month={t:MM}/day={t:dd}/hour={t:HH}/");
        var bundle = key[..key.LastIndexOf('/')];
        return bundle.EndsWith(".ndjson.gz", StringComparison.Ordinal) && bundle.LastIndexOf('/') is var slash and >= 0
            && bundle[..(slash + 1)].EndsWith(partition, StringComparison.Ordinal) && !bundle[(slash + 1)..].Contains('/');
    }

    private static DateTime Time(Guid id) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(id.ToString("N")[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture)).UtcDateTime;

    /// <summary>The id in a key's last segment when it is <c>{uuid}.json</c>.</summary>
    public static bool TryParseKey(string key, out Guid id)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        id = default;
        return name.EndsWith(".json", StringComparison.Ordinal) && name.Length == 41 && Guid.TryParseExact(name[..36], "D", out id);
    }

    private static string Time(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        var fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : "") + "+00:00";
    }

    private static string Text(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return text.Append('"').ToString();
    }
}
