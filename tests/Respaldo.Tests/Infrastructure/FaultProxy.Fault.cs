namespace Respaldo.Tests.Infrastructure;

public enum FaultKind { None, Status, Reset, Stall, CorruptBody, ForwardThenReset, ResponseHeaders }

/// <summary>What <see cref="FaultProxy"/> does with one request.</summary>
public sealed class Fault
{
    private Fault(FaultKind kind, int statusCode = 0, string errorCode = "", TimeSpan duration = default)
    {
        Kind = kind;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        Duration = duration;
    }

    public FaultKind Kind { get; }
    public int StatusCode { get; }
    public string ErrorCode { get; }
    public TimeSpan Duration { get; }

    /// <summary>Forward unchanged.</summary>
    public static Fault None { get; } = new(FaultKind.None);

    /// <summary>Abort the client connection with a TCP RST; nothing is forwarded.</summary>
    public static Fault Reset { get; } = new(FaultKind.Reset);

    /// <summary>Forward with one payload byte changed (lengths and framing intact), so the server stores other bytes.</summary>
    public static Fault CorruptBody { get; } = new(FaultKind.CorruptBody);

    /// <summary>Forward and let the server act on it, then reset the client instead of answering.</summary>
    public static Fault ForwardThenReset { get; } = new(FaultKind.ForwardThenReset);

    public static Fault InternalError => Status(500, "InternalError");
    public static Fault SlowDown => Status(503, "SlowDown");

    /// <summary>Answer with an S3-style XML error without forwarding.</summary>
    public static Fault Status(int code, string s3ErrorCode) => new(FaultKind.Status, code, s3ErrorCode);

    /// <summary>Hold the request unanswered for <paramref name="duration"/>, then close the connection.</summary>
    public static Fault Stall(TimeSpan duration) => new(FaultKind.Stall, duration: duration);

    public override string ToString() => Kind switch
    {
        FaultKind.Status => $"Status({StatusCode}, {ErrorCode})",
        FaultKind.Stall => $"Stall({Duration})",
        _ => Kind.ToString(),
    };
}

/// <summary>A request as the fault rule sees it, before its body is read.</summary>
public sealed class ProxyRequest(string method, string pathAndQuery, IReadOnlyList<KeyValuePair<string, string>> headers, long number)
{
    public string Method { get; } = method;
    public string PathAndQuery { get; } = pathAndQuery;

    /// <summary>The path without the query, still percent-encoded, e.g. <c>/bucket/records/1.json</c>.</summary>
    public string Path => PathAndQuery.Split('?', 2)[0];

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; } = headers;

    /// <summary>1 for the first request this proxy received, counting across all connections.</summary>
    public long Number { get; } = number;

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public override string ToString() => $"#{Number} {Method} {PathAndQuery}";
}
