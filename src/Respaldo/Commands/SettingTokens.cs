using System.CommandLine;

namespace Respaldo.Commands;

/// <summary>
/// Which of a verb's leftover tokens are settings for configuration, and what is wrong with the first one that is not.
/// ASP.NET Core's command-line configuration takes any <c>--key value</c> without complaint, so a mistyped option
/// (<c>--port 9000</c>) would be stored as a setting nobody reads and the service would listen where it always does;
/// and a guess at which bare word is a value blames the word after the real mistake. Here only the forms README
/// documents count as settings: <c>--Section:Key=value</c>, <c>--Section:Key value</c>, and the host's own top-level
/// keys (<c>--urls</c>, <c>--environment</c>, <c>--AllowedHosts</c>). Not <c>--http_ports</c>/<c>--https_ports</c>:
/// the default address overrides them, so accepting them would listen somewhere else than asked; they get <c>--urls</c>.
/// A suggestion never repeats a value: it may be a secret (<c>--Security__ApiKeys__0 KEY</c>), and usage errors end
/// up in cron logs. Only a port number is reused, as the port suggestion needs it.
/// </summary>
internal static class SettingTokens
{
    private static readonly string[] TopLevelKeys = ["urls", "environment", "AllowedHosts"];

    /// <summary>What is wrong with the first token that is not a setting, without the help hint; null when all are settings.</summary>
    public static TokenProblem? FirstProblem(IReadOnlyList<string> tokens, Command command)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.StartsWith('-') || token == "-")
            {
                return new TokenProblem(token, IsOption: false, $"Unexpected argument '{token}'. Settings are written --Section:Key=value.");
            }
            var equals = token.IndexOf('=');
            var typed = equals < 0 ? token : token[..equals];
            // A value after '=', or else the next token when it is not itself an option: what a suggestion can reuse.
            var value = equals >= 0 ? token[(equals + 1)..] : i + 1 < tokens.Count && !tokens[i + 1].StartsWith('-') ? tokens[i + 1] : null;
            if (typed.StartsWith("--", StringComparison.Ordinal) && IsSettingKey(typed[2..]))
            {
                if (equals < 0)
                {
                    if (i + 1 >= tokens.Count)
                    {
                        // ASP.NET Core would drop a key without a value silently: the person meant to set something.
                        return new TokenProblem(typed, IsOption: true, $"The setting {typed} has no value; write {typed}=value.");
                    }
                    i++; // its value, whatever it looks like, as ASP.NET Core reads it
                }
                continue;
            }
            var suggestion = Suggestion(typed, value, command);
            var hint = suggestion is null ? "" : $" Did you mean '{suggestion}'?";
            return new TokenProblem(typed, IsOption: true, $"Unknown option '{typed}'.{hint}");
        }
        return null;
    }

    /// <summary>A configuration key: <c>Section:Key</c> (no empty segment) or one of the host's top-level keys.</summary>
    private static bool IsSettingKey(string key) =>
        key.Split(':') is { Length: > 1 } parts && parts.All(p => p.Length > 0 && !p.StartsWith('-'))
        || TopLevelKeys.Contains(key, StringComparer.OrdinalIgnoreCase);

    /// <summary>The option a person most likely meant, with their port or address where it fits (never another value); null when nothing is obvious.</summary>
    private static string? Suggestion(string typed, string? value, Command command)
    {
        var name = typed.TrimStart('-');
        var lower = name.ToLowerInvariant();
        // Only serve listens; for another verb the address is no setting it reads.
        var serves = command is RootCommand || command.Name == "serve";
        if (serves && lower is "port" or "p" or "http-port" or "listen-port" or "http_ports" or "http-ports" or "https_ports" or "https-ports")
        {
            var scheme = lower.StartsWith("https", StringComparison.Ordinal) ? "https" : "http";
            return $"--urls {scheme}://127.0.0.1:{(int.TryParse(value, out var port) && port is > 0 and < 65536 ? port : 8000)}";
        }
        if (serves && lower is "host" or "bind" or "listen" or "address" or "addr" or "ip" or "url" or "server-urls")
        {
            // The value only when it is plainly an address (no user info, no stray text): it is echoed to logs.
            return value switch
            {
                _ when Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0
                    && value.Contains("://", StringComparison.Ordinal) => $"--urls {uri.GetLeftPart(UriPartial.Authority)}",
                _ when value?.Split(':') is [var host, var port] && Uri.CheckHostName(host) != UriHostNameType.Unknown
                    && int.TryParse(port, out _) => $"--urls http://{value}",
                _ when Uri.CheckHostName(value) is UriHostNameType.Dns or UriHostNameType.IPv4 => $"--urls http://{value}:8000",
                _ => "--urls http://127.0.0.1:8000",
            };
        }
        // Environment-variable or dotted spelling of a setting: Storage__Directory, Storage.Directory.
        var colon = name.Replace("__", ":", StringComparison.Ordinal).Replace('.', ':');
        if (colon != name && IsSettingKey(colon))
        {
            return $"--{colon}" + (value is null ? "" : "=...");
        }
        var known = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).Where(a => a.StartsWith("--", StringComparison.Ordinal))
            .Append("--urls").Distinct().ToList();
        var closest = known.MinBy(k => Levenshtein.Distance(k, typed));
        return closest is not null && Levenshtein.Distance(closest, typed) <= 2 ? closest : null;
    }
}

/// <summary>The first token that is not a setting: the token as typed, whether it looks like an option, and why.</summary>
internal sealed record TokenProblem(string Token, bool IsOption, string Message);

internal static class Levenshtein
{
    /// <summary>Edit distance ignoring case, for "did you mean".</summary>
    public static int Distance(string a, string b)
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
