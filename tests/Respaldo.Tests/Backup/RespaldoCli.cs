using System.Diagnostics;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Backup;

/// <summary>Runs the real executable (the published Native AOT one) as a separate process, as cron or a person would.</summary>
internal static class RespaldoCli
{
    public static string Executable => NativeExecutable.Path;

    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(
        string workingDirectory, IEnumerable<string> args, IDictionary<string, string>? env = null, string[]? wrapper = null)
    {
        // An optional wrapper runs the program under another command, e.g. setpriv to drop to another user.
        var executable = await NativeExecutable.GetAsync();
        var info = new ProcessStartInfo(wrapper is null ? executable : wrapper[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in wrapper?[1..] ?? [])
        {
            info.ArgumentList.Add(arg);
        }
        if (wrapper is not null)
        {
            info.ArgumentList.Add(executable);
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
