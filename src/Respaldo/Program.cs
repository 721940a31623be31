using System.CommandLine;
using Respaldo.Commands;

var root = new RootCommand("Respaldo receives records over HTTP, keeps each as a durable JSON file, and backs them up to S3.")
{
    ServeCommand.Create(), BackupCommand.Create(), RestoreCommand.Create(), StatusCommand.Create(), CheckCommand.Create(),
};
// With no verb Respaldo serves, and like `serve` it passes unknown tokens (--urls, --Section:Key=value) to configuration.
root.TreatUnmatchedTokensAsErrors = false;
root.WithSettingsHelp();
root.SetAction((result, ct) => ServeCommand.RunAsync([.. result.UnmatchedTokens], ct));
// No response files: with them a value starting with '@' (an API key, a secret) is read as a file name, and the
// parser's "Response file not found" error repeats it; settings come from the environment or a settings file instead.
var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
return Usage.Reject(parsed, [.. root.Subcommands.Select(c => c.Name)])
    ?? await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
