using System.Text.RegularExpressions;

namespace Respaldo.Security;

/// <summary>
/// Keeps absolute server paths out of what clients read (ProblemDetails, run summaries over HTTP, health): they tell
/// an attacker how the machine is laid out. Each path keeps only its last segment (usually a record's file name), so
/// a person still sees which file; the full path is in the log, which is where operators look.
/// </summary>
internal static partial class ServerPaths
{
    public static string Redact(string text) => AbsolutePath().Replace(text, ".../$1");

    // An absolute path of at least two segments, starting after white space, a quote, a parenthesis or '=' (never
    // after "scheme:/", so URLs such as s3://bucket/key and http://host/ stay as they are).
    [GeneratedRegex("""(?<=^|[\s'"(=])/(?:[^\s'"/]+/)+([^\s'"/]*)""")]
    private static partial Regex AbsolutePath();
}
