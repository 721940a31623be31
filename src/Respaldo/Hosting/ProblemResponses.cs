using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;
using Respaldo.Records;

namespace Respaldo.Hosting;

/// <summary>
/// Every error without a body of its own (routing's 404, 405 and 415, Kestrel's rejections) becomes an
/// <c>application/problem+json</c> ProblemDetails whose detail says what to do, whatever the client's Accept header
/// says: a client that asked for HTML still gets the one machine-readable error format the API documents, rather than
/// an empty or plain-text answer.
/// </summary>
internal static class ProblemResponses
{
    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseStatusCodePages(WriteAsync);
        return app;
    }

    private static Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        return ProblemTypes.Problem(status, Title(status), Detail(http, status))
            .ExecuteAsync(http);
    }

    /// <summary>
    /// The status's reason phrase in the house style of every problem's title, so that routing's answers read like
    /// the endpoints' own ("Unsupported media type", not "Unsupported Media Type"): sentence case, no full stop,
    /// abbreviations kept ("Request URI too long").
    /// </summary>
    internal static string Title(int status)
    {
        var words = ReasonPhrases.GetReasonPhrase(status).Split(' ');
        for (var i = 1; i < words.Length; i++)
        {
            if (words[i].Any(char.IsLower))
            {
                words[i] = words[i].ToLowerInvariant();
            }
        }
        return string.Join(' ', words);
    }

    internal static string Detail(HttpContext http, int status)
    {
        var request = http.Request;
        return status switch
        {
            StatusCodes.Status404NotFound =>
                $"There is nothing at {request.Path}: records are sent with POST /store_data/ and read with GET /records/{{id}}; the API is described at /docs.",
            StatusCodes.Status405MethodNotAllowed =>
                $"{request.Method} is not allowed on {request.Path}; use {(http.Response.Headers.Allow.Count > 0 ? http.Response.Headers.Allow.ToString() : "another method")}.",
            StatusCodes.Status415UnsupportedMediaType =>
                IntakeContentType.Problem(request) ?? "Send the body as 'Content-Type: application/json'.",
            StatusCodes.Status401Unauthorized =>
                "Send 'Authorization: Bearer <key>' with one of the keys in Security:ApiKeys.",
            _ => $"The request was refused ({ReasonPhrases.GetReasonPhrase(status)}); the API is described at /docs.",
        };
    }
}
