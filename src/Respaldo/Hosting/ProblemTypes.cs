using System.Globalization;

namespace Respaldo.Hosting;

/// <summary>
/// Every problem this service answers carries a <c>type</c>: the section of the RFC that defines its status, as
/// ASP.NET Core does for the statuses it knows. Its defaults leave out 413, 414, 429, 431 and 507, so those answers
/// lacked a <c>type</c> that every other problem had; a client that switches on <c>type</c> saw a different shape.
/// Set explicitly on every problem, because a problem written while the client's Accept excludes JSON skips the
/// ProblemDetails service and its customisation.
/// </summary>
internal static class ProblemTypes
{
    private const string Rfc9110 = "https://tools.ietf.org/html/rfc9110#section-";

    public static string For(int status) => status switch
    {
        // As ASP.NET Core's own 422 and README's example: WebDAV's definition, which RFC 9110 later adopted.
        422 => "https://tools.ietf.org/html/rfc4918#section-11.2",
        507 => "https://tools.ietf.org/html/rfc4918#section-11.5",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        431 => "https://tools.ietf.org/html/rfc6585#section-5",
        >= 400 and <= 417 => Rfc9110 + "15.5." + (status - 399).ToString(CultureInfo.InvariantCulture),
        421 => Rfc9110 + "15.5.20",
        426 => Rfc9110 + "15.5.22",
        >= 500 and <= 505 => Rfc9110 + "15.6." + (status - 499).ToString(CultureInfo.InvariantCulture),
        // RFC 9457 §4.2.1: no more specific type than the status itself.
        _ => "about:blank",
    };

    /// <summary>A ProblemDetails answer with its <c>type</c>; the one way this service builds one.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: For(status));
}
