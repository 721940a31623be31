namespace Respaldo.Security;

internal static partial class SecurityLog
{
    // The key itself is never a parameter here: only whether one was missing or wrong.
    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Method} {Path} from {Client}: API key {Failure}")]
    public static partial void RequestUnauthorized(this ILogger logger, string method, string path, string? client, ApiKeyMiddleware.Failure failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening beyond loopback ({Addresses}) with no API key configured: anyone who can reach it can read records back and see the status. Set Security:ApiKeys, or listen on 127.0.0.1 only")]
    public static partial void ExposedWithoutKeys(this ILogger logger, string addresses);
}
