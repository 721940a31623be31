namespace Respaldo.Spool;

internal static partial class SpoolLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up skipped {Path} ({Error}: {Reason}); it stays where it is and the service goes on")]
    public static partial void SpoolFileSkipped(this ILogger logger, string path, string error, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up could not check {Count} files in {Directory}; each is logged above with its reason")]
    public static partial void SpoolFilesSkipped(this ILogger logger, string directory, int count);
}
