using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Respaldo.Operations;

/// <summary>
/// The default console format: one line per entry, UTC time, level, category, message, and the run id of the
/// backup or restore run the entry belongs to. The built-in simple formatter would print every scope, and
/// ASP.NET Core's request and trace scopes make each line three times longer; JSON (Logging:Format=json) keeps them.
/// </summary>
internal sealed class TextLogFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "respaldo-text";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }
        var runId = RunIdOf(scopeProvider);
        textWriter.Write(DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ ", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(' ');
        textWriter.Write(logEntry.Category);
        textWriter.Write(": ");
        textWriter.Write(message?.ReplaceLineEndings(" "));
        if (runId is not null && message?.Contains(runId, StringComparison.Ordinal) != true)
        {
            textWriter.Write(" [run ");
            textWriter.Write(runId);
            textWriter.Write(']');
        }
        textWriter.WriteLine();
        if (logEntry.Exception is { } exception)
        {
            // The stack trace stays multi-line, indented, so it reads as part of the entry above.
            textWriter.WriteLine("    " + exception.ToString().ReplaceLineEndings(Environment.NewLine + "    "));
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    /// <summary>The innermost <c>RunId</c> among the active scopes (see <see cref="LogFormat.BeginRunScope"/>).</summary>
    private static string? RunIdOf(IExternalScopeProvider? scopes)
    {
        string? runId = null;
        scopes?.ForEachScope((scope, _) =>
        {
            if (scope is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    if (key == LogFormat.RunIdKey && value is string id)
                    {
                        runId = id;
                    }
                }
            }
        }, (object?)null);
        return runId;
    }
}
