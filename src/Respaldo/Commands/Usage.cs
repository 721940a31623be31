using System.CommandLine;

namespace Respaldo.Commands;

/// <summary>
/// Usage errors in one short message and exit code 2 (<see cref="ExitCodes.InvalidConfig"/>), never the whole help:
/// a misspelt verb gets a suggestion instead of starting a server, and a stray word is named.
/// </summary>
internal static class Usage
{
    /// <summary>The exit code when <paramref name="result"/> is a usage error (after printing why); null otherwise.</summary>
    public static int? Reject(ParseResult result, string[] verbs)
    {
        if (result.Errors.Count > 0 && result.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            var command = CommandPath(result);
            foreach (var error in result.Errors.Select(e => e.Message).Distinct())
            {
                Console.Error.WriteLine(error);
            }
            Console.Error.WriteLine($"See '{command} --help'.");
            return ExitCodes.InvalidConfig;
        }
        if (StrayWord(result) is not { } word)
        {
            return null;
        }
        if (result.CommandResult.Command is RootCommand)
        {
            var suggestion = verbs.MinBy(v => Distance(v, word));
            var hint = suggestion is not null && Distance(suggestion, word) <= 2 ? $" Did you mean '{suggestion}'?" : "";
            Console.Error.WriteLine($"Unknown command '{word}'.{hint} Commands: {string.Join(", ", verbs)}. See 'respaldo --help'.");
        }
        else
        {
            Console.Error.WriteLine($"Unexpected argument '{word}'. Settings are written --Section:Key=value. See '{CommandPath(result)} --help'.");
        }
        return ExitCodes.InvalidConfig;
    }

    /// <summary>
    /// Unmatched tokens are passed to configuration; a bare word is allowed only as the value of a preceding
    /// <c>--Section:Key</c> or <c>--urls</c> written without '='.
    /// </summary>
    private static string? StrayWord(ParseResult result)
    {
        string? previous = null;
        foreach (var token in result.UnmatchedTokens)
        {
            var isValue = previous is not null && previous.StartsWith("--", StringComparison.Ordinal) && !previous.Contains('=');
            if (!token.StartsWith('-') && !isValue)
            {
                return token;
            }
            previous = isValue ? null : token;
        }
        return null;
    }

    private static string CommandPath(ParseResult result) =>
        result.CommandResult.Command is RootCommand ? "respaldo" : "respaldo " + result.CommandResult.Command.Name;

    /// <summary>Levenshtein distance, for "did you mean".</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
