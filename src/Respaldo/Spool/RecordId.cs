using System.Globalization;

namespace Respaldo.Spool;

/// <summary>
/// Record ids are UUIDv7: unique without coordination (74 random bits), ordered by creation time, and
/// carrying their own UTC millisecond timestamp, so a file name or key alone tells when a record arrived.
/// </summary>
internal static class RecordId
{
    public const string Extension = ".json";

    public static Guid New(DateTimeOffset receivedAt) => Guid.CreateVersion7(receivedAt);

    public static bool TryParse(string? text, out Guid id) =>
        Guid.TryParseExact(text, "D", out id) && id.Version == 7 && id.Variant is >= 8 and <= 11;

    public static string FileName(Guid id) => id.ToString("D") + Extension;

    public static bool TryParseFileName(string fileName, out Guid id)
    {
        id = default;
        return fileName.EndsWith(Extension, StringComparison.Ordinal)
            && TryParse(fileName[..^Extension.Length], out id);
    }

    /// <summary>The creation time encoded in the first 48 bits of a UUIDv7.</summary>
    public static DateTimeOffset Timestamp(Guid id)
    {
        var ms = long.Parse(id.ToString("N").AsSpan(0, 12), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }
}
