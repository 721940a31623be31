using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Respaldo.Spool;

namespace Respaldo.Commands;

/// <summary>A start-up failure told in one sentence, and whether restarting the program could fix it.</summary>
internal sealed record StartupError(string Message, int ExitCode);

/// <summary>Raised before anything starts, when a check already knows what is wrong and what to do.</summary>
internal sealed class StartupException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// Turns the failures a person can expect at start-up into one line that names the setting, the value and what to
/// do, instead of a stack trace. Exit code 2 (<see cref="ExitCodes.InvalidConfig"/>) is for what a restart cannot
/// fix (the configuration); 1 for what may pass (a port or a spool folder another process holds, a folder whose
/// permissions or mount an administrator fixes), so systemd's <c>RestartPreventExitStatus=2</c> retries only those.
/// </summary>
internal static partial class StartupErrors
{
    public static StartupError? Describe(Exception e) => e switch
    {
        StartupException s => new(s.Message, s.ExitCode),
        OptionsValidationException v => new(string.Join("\n", v.Failures.Select(Sentence)), ExitCodes.InvalidConfig),
        InvalidOperationException { Message: var m } when ConversionFailed().Match(m) is { Success: true } match
            => new(Conversion(match, e.InnerException), ExitCodes.InvalidConfig),
        SpoolInUseException => new(e.Message, ExitCodes.Failed),
        IOException { InnerException: AddressInUseException } io => new(PortInUse(io.Message), ExitCodes.Failed),
        AggregateException a when a.InnerExceptions.Select(Describe).ToList() is var all && all.All(d => d is not null)
            => new(string.Join("\n", all.Select(d => d!.Message)), all.Max(d => d!.ExitCode)),
        _ => null,
    };

    /// <summary>Only the message, for callers that know the error is a configuration one.</summary>
    public static string? Message(Exception e) => Describe(e)?.Message;

    private static string Sentence(string text) => text.TrimEnd().EndsWith('.') ? text.TrimEnd() : text.TrimEnd() + ".";

    private static string PortInUse(string message)
    {
        var address = BindAddress().Match(message) is { Success: true } m ? m.Groups[1].Value : "the configured address";
        return $"Cannot listen on {address}: another program already uses it. Stop that program, or set another address with --urls (or Urls).";
    }

    private static string Conversion(Match match, Exception? inner)
    {
        var key = match.Groups["key"].Value;
        var type = match.Groups["type"].Value;
        // The binder's message names the key and a CLR type, and in recent versions the value; else the parser's has it.
        var value = match.Groups["value"].Success ? match.Groups["value"].Value
            : inner is null ? null : QuotedValue().Match(inner.Message) is { Success: true } v ? v.Groups[1].Value : null;
        var expected = type switch
        {
            "System.Int32" or "System.Int64" => "is not a whole number",
            "System.TimeSpan" => "is not a duration; write hh:mm:ss, e.g. '00:00:30', or d.hh:mm:ss",
            "System.Boolean" => "is not true or false",
            "System.Double" => "is not a number",
            _ when EnumNames.TryGetValue(type, out var names) => "is not one of " + string.Join(", ", names),
            _ => "has the wrong form",
        };
        return value is null ? $"{key}: the value {expected}." : $"{key}: '{value}' {expected}.";
    }

    /// <summary>The settings' enums by CLR name, listed rather than looked up by reflection (Native AOT trims that away).</summary>
    private static readonly Dictionary<string, string[]> EnumNames = new()
    {
        [typeof(Spool.SyncPipeline).FullName!] = Enum.GetNames<Spool.SyncPipeline>(),
        [typeof(Backup.BackupLayout).FullName!] = Enum.GetNames<Backup.BackupLayout>(),
        [typeof(Backup.PayloadMode).FullName!] = Enum.GetNames<Backup.PayloadMode>(),
        [typeof(Backup.VerifyMode).FullName!] = Enum.GetNames<Backup.VerifyMode>(),
    };

    [GeneratedRegex(@"^Failed to convert configuration value (?:'(?<value>[^']*)' )?at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailed();

    [GeneratedRegex(@"'([^']*)'")]
    private static partial Regex QuotedValue();

    [GeneratedRegex(@"address (\S+?):? address already in use", RegexOptions.IgnoreCase)]
    private static partial Regex BindAddress();
}
