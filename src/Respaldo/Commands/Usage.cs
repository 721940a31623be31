using System.CommandLine;
using System.CommandLine.Invocation;

namespace Respaldo.Commands;

/// <summary>
/// Usage errors in one short message and exit code 2 (<see cref="ExitCodes.InvalidConfig"/>), never the whole help:
/// a misspelt verb gets a suggestion instead of starting a server, an unknown option is named as typed (with the
/// option meant, where it is obvious) instead of being taken for a setting, and every usage error of every verb ends
/// with the same pointer to that verb's help.
/// </summary>
internal static class Usage
{
    /// <summary>The exit code when <paramref name="result"/> is a usage error (after printing why); null otherwise.</summary>
    public static int? Reject(ParseResult result, string[] verbs)
    {
        if (result.Errors.Count > 0 && result.Action is ParseErrorAction)
        {
            return Fail(result, string.Join("\n", result.Errors.Select(e => e.Message).Distinct()));
        }
        if (result.Action is not null && result.Action != result.CommandResult.Command.Action)
        {
            return null; // an option's own action (--help, --version) answers whatever else was typed
        }
        if (Problem(result) is not { } problem)
        {
            return null;
        }
        if (result.CommandResult.Command is RootCommand && !problem.IsOption)
        {
            var suggestion = verbs.MinBy(v => Levenshtein.Distance(v, problem.Token));
            var hint = suggestion is not null && Levenshtein.Distance(suggestion, problem.Token) <= 2 ? $" Did you mean '{suggestion}'?" : "";
            Console.Error.WriteLine($"Unknown command '{problem.Token}'.{hint} Commands: {string.Join(", ", verbs)}. See 'respaldo --help'.");
            return ExitCodes.InvalidConfig;
        }
        return Fail(result, problem.Message);
    }

    /// <summary>The first leftover token of the verb that is not a setting; null when there is none.</summary>
    public static TokenProblem? Problem(ParseResult result) =>
        SettingTokens.FirstProblem(result.UnmatchedTokens, result.CommandResult.Command);

    /// <summary>Prints a usage error of the parsed verb, ending with where its help is, and returns exit code 2.</summary>
    public static int Fail(ParseResult result, string message)
    {
        Console.Error.WriteLine($"{message} {Hint(result)}");
        return ExitCodes.InvalidConfig;
    }

    /// <summary>"See 'respaldo restore --help'."; with no verb Respaldo serves, so serve's help is the one that applies.</summary>
    public static string Hint(ParseResult result) =>
        $"See 'respaldo {(result.CommandResult.Command is RootCommand ? "serve" : result.CommandResult.Command.Name)} --help'.";
}
