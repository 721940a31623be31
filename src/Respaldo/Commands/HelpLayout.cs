using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Respaldo.Commands;

/// <summary>
/// Every verb's <c>--help</c>, laid out here rather than by System.CommandLine, whose layout names the settings
/// "additional arguments" ("Arguments passed to the application that is being run", which says nothing of what they
/// are) and prints a usage line with an unbalanced bracket (<c>[[--] &lt;additional arguments&gt;...]]</c>).
/// </summary>
internal static class HelpLayout
{
    public const string Settings = """
        Settings:
          Any configuration key, as --Section:Key=value after the options; also read from appsettings.json and from
          environment variables (Section__Key). The README lists them all; the ones used most:
            --urls http://127.0.0.1:8000                   where serve listens (an IP address; a host name listens on all of them)
            --Storage:Directory=/var/lib/respaldo/records  the spool folder (default ./data/records)
            --Backup:Destination=s3://my-bucket/records    s3://bucket[/prefix], or a local folder
            --Backup:Schedule="0 0 * * *"                  when the service backs up: cron, or off
            --Logging:Format=json                          log lines as JSON objects (default text)
        """;

    public static T WithSettingsHelp<T>(this T root) where T : RootCommand
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Description = "Show this help.";
        help.Action = new LaidOutHelpAction();
        if (root.Options.OfType<VersionOption>().SingleOrDefault() is { } version)
        {
            version.Description = "Show the version.";
        }
        return root;
    }

    /// <summary>The help of <paramref name="command"/>: usage, description, commands, options, settings.</summary>
    public static string Text(Command command, RootCommand root)
    {
        var isRoot = command is RootCommand;
        var options = (isRoot ? command.Options : command.Options.Concat(root.Options.Where(o => o.Recursive))).Where(o => !o.Hidden).ToList();
        var usage = string.Join(" ", options.Where(o => o is not HelpOption).Select(o => o.Required ? Form(o) : $"[{Form(o)}]"));
        var lines = new List<string>
        {
            "Usage:",
            isRoot ? "  respaldo [command] [--Section:Key=value ...]" : $"  respaldo {command.Name} {(usage.Length > 0 ? usage + " " : "")}[--Section:Key=value ...]",
            "",
        };
        lines.AddRange((command.Description ?? "").Split('\n').Select(l => "  " + l.TrimEnd()));
        if (isRoot)
        {
            lines.Add("");
            lines.Add("Commands (the default is serve; 'respaldo <command> --help' tells more):");
            var width = command.Subcommands.Max(c => c.Name.Length) + 2;
            lines.AddRange(command.Subcommands.Where(c => !c.Hidden)
                .Select(c => $"  {c.Name.PadRight(width)}{Summary(c.Description)}"));
        }
        lines.Add("");
        lines.Add("Options:");
        var names = options.Select(o => (Option: o, Name: Names(o))).ToList();
        var column = names.Max(n => n.Name.Length) + 2;
        lines.AddRange(names.Select(n => $"  {n.Name.PadRight(column)}{n.Option.Description}{(n.Option.Required ? " Required." : "")}"));
        lines.Add("");
        lines.Add(Settings);
        return string.Join("\n", lines);
    }

    /// <summary>A verb's description up to its first full stop or colon: one line per verb in the list.</summary>
    private static string Summary(string? description)
    {
        var text = string.Join(" ", (description ?? "").Split('\n', StringSplitOptions.TrimEntries));
        var end = new[] { text.IndexOf(". ", StringComparison.Ordinal), text.IndexOf(": ", StringComparison.Ordinal) }.Where(i => i > 0).DefaultIfEmpty(text.Length).Min();
        return text[..end].TrimEnd('.') + ".";
    }

    /// <summary>"--into &lt;folder&gt;", or "--json" for a switch.</summary>
    private static string Form(Option option) =>
        option.ValueType == typeof(bool) || option is HelpOption or VersionOption ? option.Name : $"{option.Name} <{option.HelpName ?? option.Name.TrimStart('-')}>";

    private static string Names(Option option) => option switch
    {
        HelpOption => "-h, --help",
        _ => Form(option),
    };

    private sealed class LaidOutHelpAction : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Text(parseResult.CommandResult.Command, (RootCommand)parseResult.RootCommandResult.Command));
            return ExitCodes.Success;
        }
    }
}
