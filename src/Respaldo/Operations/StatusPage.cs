using Respaldo.Hosting;

namespace Respaldo.Operations;

/// <summary>
/// <c>GET /</c>: a page for people, one self-contained HTML file embedded in the program (no build step, nothing
/// fetched from elsewhere). It holds no data itself: its script reads <c>/status</c> and posts <c>/backup</c>,
/// sending the API key a person saved in the browser, so the page is open and the data stays protected.
/// </summary>
internal static class StatusPage
{
    private const string Resource = "Respaldo.Operations.StatusPage.html";
    private static readonly Lazy<byte[]> Html = new(Load);

    public static WebApplication MapStatusPage(this WebApplication app)
    {
        app.MapMethods("/", HttpGetOrHead.Methods, Serve).ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpResponse response)
    {
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        // Only this page's own inline script and style, and requests to this service.
        response.Headers.ContentSecurityPolicy =
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return TypedResults.Bytes(Html.Value, "text/html; charset=utf-8");
    }

    private static byte[] Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The status page ({Resource}) is missing from the program.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
