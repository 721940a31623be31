using System.CommandLine;
using Respaldo.Hosting;

namespace Respaldo.Commands;

/// <summary>
/// What the verbs share: configuration tokens (<c>--Section:Key=value</c>) pass through to the host, anything
/// else unknown is a usage error, and configuration mistakes become exit code 2 with a message naming the key.
/// </summary>
internal static class CommandHost
{
    /// <summary>Lets a verb accept configuration tokens after its own options.</summary>
    public static T AcceptingConfiguration<T>(this T command) where T : Command
    {
        command.TreatUnmatchedTokensAsErrors = false;
        return command;
    }

    public static async Task<int> RunAsync(ParseResult result, Func<IHost, CancellationToken, Task<int>> body, CancellationToken ct,
        Action<IServiceCollection>? configureServices = null)
    {
        // Program.cs rejects these before any verb runs; a verb invoked on its own (as tests do) is held to the same.
        if (Usage.Problem(result) is { } problem)
        {
            return Usage.Fail(result, problem.Message);
        }
        try
        {
            using var host = RespaldoHost.BuildCommandHost([.. result.UnmatchedTokens], configureServices);
            await host.StartAsync(ct); // runs the options validation
            var code = await body(host, ct);
            await host.StopAsync(CancellationToken.None);
            return code;
        }
        catch (Exception e) when (StartupErrors.Describe(e) is { } error)
        {
            await Console.Error.WriteLineAsync(error.Message);
            return error.ExitCode;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unexpected: one line for the person, the type for a bug report; never a stack trace on a terminal.
            await Console.Error.WriteLineAsync($"Failed: {e.Message} ({e.GetType().Name})");
            return ExitCodes.Failed;
        }
    }
}
