using System.CommandLine;
using Microsoft.Extensions.Options;
using Respaldo.Backup;
using Respaldo.Hosting;
using Respaldo.Spool;

namespace Respaldo.Commands;

/// <summary>
/// Proves a configuration before the first scheduled run needs it. Changes nothing locally: it never starts the
/// spool writer and never creates the spool folder (a probe file in the folder, or in its nearest existing parent,
/// is created and removed); the destination gets one small probe object under its prefix.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var command = new Command("check", """
            Checks the configuration before the first backup needs it: the settings are valid, the spool folder is writable,
            the destination is reachable and takes a write (one small probe object under the prefix, written and verified;
            no delete permission needed), and this machine's clock agrees with the store's.
            Prints one line per check; each problem names the setting, the folder, the bucket or the endpoint.
            Exit codes: 0 all is well, 1 a problem was found, 2 invalid configuration or usage.
            Example: respaldo check --Backup:Destination=s3://my-bucket/records
            Example: sudo -u respaldo sh -c 'set -a; . /etc/respaldo/respaldo.env; /opt/respaldo/Respaldo check'
            """)
        {
        }.AcceptingConfiguration();
        command.SetAction((result, ct) => CommandHost.RunAsync(result, async (host, token) =>
        {
            if (ServeSettings.Problems([.. result.UnmatchedTokens]) is { } invalid)
            {
                await Console.Error.WriteLineAsync(invalid);
                return ExitCodes.InvalidConfig;
            }
            Console.WriteLine("OK   Settings are valid.");
            var problems = 0;
            var spool = host.Services.GetRequiredService<IOptions<SpoolOptions>>().Value.FullPath;
            if (SpoolAccess.Problem(spool, create: false) is { } spoolProblem)
            {
                problems++;
                Console.WriteLine("FAIL " + spoolProblem);
            }
            else
            {
                Console.WriteLine($"OK   Storage:Directory: the spool folder {spool} is writable by user {Environment.UserName}"
                    + (Directory.Exists(spool) ? "." : " (it does not exist yet; serve creates it)."));
            }
            var probe = host.Services.GetRequiredService<DestinationProbe>();
            var found = await probe.RunAsync(token);
            foreach (var problem in found.Problems)
            {
                problems++;
                Console.WriteLine("FAIL " + problem);
            }
            if (!found.Problems.Any(p => p.StartsWith("Destination", StringComparison.Ordinal)))
            {
                Console.WriteLine($"OK   Destination {found.Destination} took and verified the probe object {found.ProbeKey}.");
            }
            if (found.ClockSkewSeconds is { } skew && Math.Abs(skew) <= DestinationProbe.MaxClockSkew.TotalSeconds)
            {
                Console.WriteLine($"OK   Clock: within {Math.Abs(skew):0.#} s of the store's.");
            }
            return problems == 0 ? ExitCodes.Success : ExitCodes.Failed;
        }, ct));
        return command;
    }
}

/// <summary>
/// The settings only <c>serve</c> reads (intake, security, rate limits, the listening address), validated as serve's
/// start-up validates them: by building serve's host, without starting it, and running every validated options type's
/// validation (IStartupValidator, what ValidateOnStart registers).
/// </summary>
internal static class ServeSettings
{
    public static string? Problems(string[] configArgs)
    {
        try
        {
            using var app = RespaldoHost.BuildWebApp(configArgs);
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (Exception e) when (StartupErrors.Message(e) is { } message)
        {
            return message;
        }
    }
}

