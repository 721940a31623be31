using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Respaldo.Commands;

/// <summary>
/// Every verb's <c>--help</c> ends with how to pass settings: System.CommandLine only says "Arguments passed
/// to the application that is being run" of the tokens a verb hands to configuration.
/// </summary>
internal static class HelpLayout
{
    public const string Settings = """
        Settings (the additional arguments):
          Any configuration key, as --Section:Key=value after the options; also read from appsettings.json and from
          environment variables (Section__Key). The README lists them all; the ones used most:
            --Storage:Directory=/var/lib/respaldo/records  the spool folder (default ./data/records)
            --Backup:Destination=s3://my-bucket/records    s3://bucket[/prefix], or a local folder
            --Backup:Schedule="0 0 * * *"                  when the service backs up: cron, or off
            --Logging:Format=json                          log lines as JSON objects (default text)
        """;

    public static T WithSettingsHelp<T>(this T root) where T : RootCommand
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new SettingsHelpAction((HelpAction)help.Action!);
        return root;
    }

    /// <summary>The standard help, then the settings section.</summary>
    private sealed class SettingsHelpAction(HelpAction standard) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var code = standard.Invoke(parseResult);
            parseResult.InvocationConfiguration.Output.WriteLine(Settings);
            return code;
        }
    }
}
