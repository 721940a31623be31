using System.Diagnostics;
using System.Text;

namespace Respaldo.Tests.Infrastructure;

/// <summary>Whether the process exited by itself, its exit code (-1 when it was stopped), and stdout and stderr together.</summary>
internal sealed record WatchedRun(bool Exited, int Code, string Output);

/// <summary>
/// The published executable run and watched line by line: for a command that must fail at once and must not quietly
/// start a server instead (a usage error answers at once; a server is given 15 s to show itself).
/// </summary>
internal static class WatchedProcess
{
    /// <summary>
    /// Runs the published executable until it exits, or until <paramref name="until"/> appears (then kills it);
    /// <paramref name="whenSeen"/> runs once when its line appears, while the process runs.
    /// </summary>
    public static async Task<WatchedRun> RunAsync(string workingDirectory, string[] args, string? until = null,
        Dictionary<string, string>? environment = null, (string Line, Func<Process, Task> Action)? whenSeen = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var info = new ProcessStartInfo(await NativeExecutable.GetAsync())
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        args.ToList().ForEach(info.ArgumentList.Add);
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var trigger = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                output.AppendLine(line);
            }
            if (until is not null && line.Contains(until, StringComparison.Ordinal))
            {
                seen.TrySetResult();
            }
            if (whenSeen is { } w && line.Contains(w.Line, StringComparison.Ordinal))
            {
                trigger.TrySetResult();
            }
        }
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exit = process.WaitForExitAsync(ct);
        if (whenSeen is { } w)
        {
            await Task.WhenAny(exit, trigger.Task, Task.Delay(TimeSpan.FromSeconds(60), ct));
            Assert.True(trigger.Task.IsCompleted, $"'{w.Line}' never appeared:\n{output}");
            await w.Action(process);
        }
        await Task.WhenAny(exit, seen.Task, Task.Delay(TimeSpan.FromSeconds(until is null ? 15 : 60), ct));
        var exited = process.HasExited;
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync(ct);
        lock (output)
        {
            return new(exited, exited ? process.ExitCode : -1, output.ToString());
        }
    }
}
