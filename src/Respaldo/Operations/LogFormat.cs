using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Respaldo.Hosting;

namespace Respaldo.Operations;

/// <summary>
/// Console logs: one readable line per entry by default, or one JSON object per line (the built-in JSON
/// formatter) with <c>Logging:Format=json</c>, for journald or a log shipper. Scopes are always included, so
/// every line a backup or restore run writes carries its run id.
/// </summary>
internal sealed class LogFormatOptions
{
    public const string Section = "Logging";
    public const string Text = "text";
    public const string Json = "json";

    /// <summary><c>text</c> (default) or <c>json</c>.</summary>
    public string Format { get; set; } = Text;

    public static bool IsValid(string? format) =>
        string.Equals(format, Text, StringComparison.OrdinalIgnoreCase) || string.Equals(format, Json, StringComparison.OrdinalIgnoreCase);
}

internal static class LogFormat
{
    public const string RunIdKey = "RunId";

    private static readonly Func<ILogger, string, IDisposable?> RunScope =
        LoggerMessage.DefineScope<string>("Run {" + RunIdKey + "}");

    /// <summary>Until disposed, every log entry written on this flow (including the run's parallel uploads) carries <c>RunId</c>.</summary>
    public static IDisposable? BeginRunScope(this ILogger logger, string runId) => RunScope(logger, runId);

    public static IHostApplicationBuilder AddLogFormat(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<LogFormatOptions>(LogFormatOptions.Section, static (section, o) => section.Bind(o))
            .Validate(o => LogFormatOptions.IsValid(o.Format), "Logging:Format: must be 'text' or 'json'.");
        // The formatter is chosen now, before the options exist; an invalid value still stops the program at
        // start through the validation above.
        if (string.Equals(builder.Configuration["Logging:Format"], LogFormatOptions.Json, StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else if (string.IsNullOrEmpty(builder.Configuration["Logging:Console:FormatterName"]))
        {
            // The built-in Logging:Console:FormatterName (simple, systemd, json), when set, still wins.
            // Registered directly: AddConsoleFormatter<,> would also bind formatter options this formatter never
            // reads, through the reflection binder that Native AOT cannot run.
            builder.Logging.AddConsole(o => o.FormatterName = TextLogFormatter.Name);
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, TextLogFormatter>());
        }
        return builder;
    }
}
