namespace Respaldo.Security;

internal static partial class SecurityLog
{
    // The key itself is never a parameter here: only whether one was missing or wrong.
    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Method} {Path} from {Client}: API key {Failure}")]
    public static partial void RequestUnauthorized(this ILogger logger, string method, string path, string? client, ApiKeyMiddleware.Failure failure);
}
