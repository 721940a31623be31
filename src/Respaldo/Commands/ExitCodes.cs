namespace Respaldo.Commands;

/// <summary>The program's exit codes; the README lists them for cron and scripts.</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked for was done (every file backed up or restored).</summary>
    public const int Success = 0;

    /// <summary>Some files failed and stay where they were; running again retries them.</summary>
    public const int Failed = 1;

    /// <summary>Invalid configuration or command-line usage; nothing was done.</summary>
    public const int InvalidConfig = 2;

    /// <summary>Another backup run holds the spool's lock; nothing was done.</summary>
    public const int Busy = 3;
}
