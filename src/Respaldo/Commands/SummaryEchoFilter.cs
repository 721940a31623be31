namespace Respaldo.Commands;

/// <summary>
/// For the verbs only: the runners' logger without the entries that repeat the summary the verb prints on stdout (each
/// failed file, then the summary's first errors again), so that each failure is printed once. Everything else the
/// runner logs (a quarantined half-written file, for instance, which the summary does not name) still goes to stderr.
/// The service keeps them all: there the log is the only place a run's failures are told.
/// <para>
/// The summary names only a run's first errors (<see cref="Backup.RunTally.MaxErrorsKept"/>), so a failed file it does
/// not name is logged as <c>BackupUnitFailedNotInSummary</c>, which is kept: no failed file goes unnamed (adversarial
/// review: the 11th of 12 unreadable files was named nowhere).
/// </para>
/// </summary>
internal sealed class SummaryEchoFilter<T>(ILoggerFactory factory) : ILogger<T>
{
    /// <summary>The [LoggerMessage] methods (their event name is the method's) whose text is in the summary too.</summary>
    private static readonly HashSet<string> InSummary = [nameof(BackupLog.BackupUnitFailed), nameof(BackupLog.BackupFileFailed), nameof(BackupLog.RestoreFailed)];

    private readonly ILogger _inner = factory.CreateLogger<T>();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => _inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => _inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Name is { } name && InSummary.Contains(name))
        {
            return;
        }
        _inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
