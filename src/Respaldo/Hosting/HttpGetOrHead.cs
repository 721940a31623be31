namespace Respaldo.Hosting;

/// <summary>
/// RFC 9110 §9.1: a server answers HEAD wherever it answers GET. Kestrel sends a HEAD answer's status and headers
/// (Content-Length included) and drops the body, so one handler serves both.
/// </summary>
internal static class HttpGetOrHead
{
    public static readonly string[] Methods = [HttpMethods.Get, HttpMethods.Head];
}
