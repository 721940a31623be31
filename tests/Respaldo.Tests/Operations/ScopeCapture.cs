using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Respaldo.Tests.Operations;

/// <summary>A logging provider that keeps each entry with the <c>RunId</c> of the scopes active when it was written.</summary>
internal sealed class ScopeCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<Entry> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    internal sealed record Entry(string Category, LogLevel Level, string Message, string? RunId);

    private sealed class Logger(ScopeCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => capture._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string? runId = null;
            capture._scopes.ForEachScope((scope, _) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> values && values.FirstOrDefault(v => v.Key == "RunId").Value is string id)
                {
                    runId = id;
                }
            }, (object?)null);
            capture._entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), runId));
        }
    }
}
