namespace Respaldo;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Spool {Directory} ready: removed {TempFiles} leftover temporary files, set aside {Quarantined} empty record files")]
    public static partial void SpoolRecovered(this ILogger logger, string directory, int tempFiles, int quarantined);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rescanning the spool failed")]
    public static partial void SpoolRescanFailed(this ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} is not a complete record (crash debris, never acknowledged); moved to {Target}")]
    public static partial void RecordQuarantined(this ILogger logger, string path, string target);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed with {Status}")]
    public static partial void RequestFailed(this ILogger logger, string method, string path, int status, Exception exception);
}
