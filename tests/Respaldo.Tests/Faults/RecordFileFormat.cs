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
        var day = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(id.ToString("N")[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture)).UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture, $"{day:yyyy}/{day:MM}/{day:dd}/{id:D}.json");
    }

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
