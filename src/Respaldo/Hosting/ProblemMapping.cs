using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Respaldo.Backup;
using Respaldo.Spool;

namespace Respaldo.Hosting;

/// <summary>
/// Turns the exceptions that reach the top into ProblemDetails with a status a client can act on:
/// a full spool is 507 and an unwritable one 503, both with Retry-After, so a client retries instead of
/// believing a record was kept; Kestrel's own rejections (oversized, too slow) keep their 4xx status.
/// </summary>
internal sealed class ProblemMapping(IProblemDetailsService problems, IOptions<SpoolOptions> spool, ILogger<ProblemMapping> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var retryAfter = ((int)spool.Value.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        (int status, string title, string detail, bool retry) = exception switch
        {
            SpoolFullException e => (StatusCodes.Status507InsufficientStorage, "Spool full",
                Sentence(e.Message) + " Nothing was stored; retry later.", true),
            SpoolUnavailableException e => (StatusCodes.Status503ServiceUnavailable, "Spool unavailable",
                Sentence(e.Message) + " Nothing was stored; retry later.", true),
            BackupException { Kind: ErrorKind.Verification or ErrorKind.Corrupt } e => (StatusCodes.Status502BadGateway,
                "Backup copy failed its integrity check", e.Message, false),
            // The cause (with the store's endpoint, which is the operator's business, not the client's) goes to the log.
            BackupException => (StatusCodes.Status503ServiceUnavailable, "Backup destination unavailable",
                "The backup destination cannot be reached, so the record could not be looked up there; retry later, and if this goes on, ask the operator to run 'respaldo check'.", true),
            // Kestrel's own messages name its settings' internal names; say what happened and what to do instead.
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "Request body too large",
                "The body is larger than this service accepts (Intake:MaxBodyBytes); nothing was stored.", false),
            BadHttpRequestException { StatusCode: StatusCodes.Status408RequestTimeout } => (StatusCodes.Status408RequestTimeout, "Request body too slow",
                "The body arrived too slowly (Kestrel:Limits:MinRequestBodyDataRate); send the whole body at once. Nothing was stored.", false),
            BadHttpRequestException e => (e.StatusCode, "Bad request",
                "The request's framing is broken (for example its chunked encoding or Content-Length); nothing was stored.", false),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error",
                "The server failed to handle the request; see its log.", false),
        };
        if (retry)
        {
            // Expected under a full disk, possibly thousands of times a second: one line, no stack trace.
            logger.RequestRefused(context.Request.Method, context.Request.Path, status, exception.Message);
        }
        else if (status >= 500)
        {
            logger.RequestFailed(context.Request.Method, context.Request.Path, status, exception);
        }
        if (context.Response.HasStarted)
        {
            return false;
        }
        context.Response.StatusCode = status;
        if (retry)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }
        var problem = new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            // The log above has the full text; clients never see absolute server paths.
            ProblemDetails = { Status = status, Title = title, Detail = Security.ServerPaths.Redact(detail), Type = ProblemTypes.For(status) },
        };
        if (!await problems.TryWriteAsync(problem))
        {
            // The client's Accept header excludes JSON: answer with it anyway, as TypedResults.Problem does, since
            // an unhandled exception here would turn a 4xx or a 507 into a bare 500.
            await TypedResults.Problem(problem.ProblemDetails).ExecuteAsync(context);
        }
        return true;
    }

    /// <summary>A message as a sentence: the system's error text ("No such file or directory") has no full stop.</summary>
    private static string Sentence(string message) => message.TrimEnd() is var text && text.EndsWith('.') ? text : text + ".";
}
