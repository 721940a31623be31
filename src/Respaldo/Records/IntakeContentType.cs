using Microsoft.Net.Http.Headers;

namespace Respaldo.Records;

/// <summary>
/// What intake accepts: <c>application/json</c>, optionally with a UTF-8 charset, quoted or not. Everything else is
/// 415, <c>+json</c> types included (<c>application/merge-patch+json</c> means a patch, not a record). The message
/// names the commonest mistake: <c>curl -d</c> without a header sends <c>application/x-www-form-urlencoded</c>.
/// </summary>
internal static class IntakeContentType
{
    public const string Json = "application/json";

    /// <summary>Null when the request's Content-Type is accepted; otherwise what to do, for the 415's detail.</summary>
    public static string? Problem(HttpRequest request)
    {
        var header = request.ContentType;
        if (string.Equals(header, Json, StringComparison.OrdinalIgnoreCase))
        {
            return null; // what nearly every client sends: accepted without parsing the header (which allocates)
        }
        if (string.IsNullOrWhiteSpace(header))
        {
            return "The request has no Content-Type header: send the record as JSON with 'Content-Type: application/json' (curl: -H 'Content-Type: application/json'). Nothing was stored.";
        }
        if (!MediaTypeHeaderValue.TryParse(header, out var type))
        {
            return $"The Content-Type header '{header}' cannot be read: send 'Content-Type: application/json'. Nothing was stored.";
        }
        if (type.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return "The body was sent as application/x-www-form-urlencoded, which is what curl -d sends without a Content-Type header: add -H 'Content-Type: application/json'. Nothing was stored.";
        }
        if (!type.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase))
        {
            return $"Content-Type '{type.MediaType}' is not accepted: send the record as 'Content-Type: application/json'. Nothing was stored.";
        }
        var charset = HeaderUtilities.RemoveQuotes(type.Charset);
        if (charset.Length > 0 && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return $"The record must be UTF-8 JSON, not charset={charset}: send 'Content-Type: application/json' (or with charset=utf-8). Nothing was stored.";
        }
        return null;
    }
}
