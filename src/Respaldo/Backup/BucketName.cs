using System.Net;

namespace Respaldo.Backup;

/// <summary>
/// S3's bucket naming rules (general purpose buckets), checked at start-up so a typo is one sentence naming the rule
/// it breaks, not an S3 error on the first upload hours later.
/// </summary>
internal static class BucketName
{
    private static readonly string[] ReservedPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"];
    private static readonly string[] ReservedSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

    /// <summary>Null when <paramref name="name"/> is a valid bucket name; otherwise the rule it breaks.</summary>
    public static string? Problem(string name) => name switch
    {
        "" => "the bucket name is missing",
        { Length: < 3 or > 63 } => $"a bucket name has 3 to 63 characters, not {name.Length}",
        _ when !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
            => "a bucket name has only lowercase letters, digits, dots and hyphens",
        _ when !char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1])
            => "a bucket name begins and ends with a letter or digit",
        _ when name.Contains("..", StringComparison.Ordinal) => "a bucket name has no two dots in a row",
        _ when IPAddress.TryParse(name, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && name.Count(c => c == '.') == 3
            => "a bucket name is not an IP address",
        _ when ReservedPrefixes.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal)) is { } prefix
            => $"a bucket name cannot begin with '{prefix}' (reserved by AWS)",
        _ when ReservedSuffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal)) is { } suffix
            => $"a bucket name cannot end with '{suffix}' (reserved by AWS)",
        _ => null,
    };
}
