namespace Respaldo.Spool;

/// <summary>The spool cannot take a record now (disk or quota full); nothing was kept, the client should retry.</summary>
internal sealed class SpoolFullException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>The spool failed to make a record durable for another reason; nothing was kept.</summary>
internal sealed class SpoolUnavailableException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>Another service process holds the spool folder.</summary>
internal sealed class SpoolInUseException(string message, Exception inner) : Exception(message, inner);

internal static class IoErrors
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;

    public static bool IsDiskFull(Exception e) =>
        e is SpoolFullException || (e is IOException io && (io.HResult is ENOSPC or EDQUOT || io.Message.Contains("No space left", StringComparison.Ordinal)));
}
