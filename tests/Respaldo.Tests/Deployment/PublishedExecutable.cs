using System.Diagnostics;
using System.Text.RegularExpressions;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Deployment;

/// <summary>
/// The Native AOT executable deploy/publish.sh makes (see <see cref="NativeExecutable"/>: published once per test
/// run). Read-only once made: tests only run it.
/// </summary>
public sealed partial class PublishedExecutable : IAsyncLifetime
{
    public string Output => Path.GetDirectoryName(Program)!;

    public string Program { get; private set; } = "";

    public async ValueTask InitializeAsync() => Program = await NativeExecutable.GetAsync();

    /// <summary>Starts the executable (optionally under a wrapper such as strace) and waits until it listens.</summary>
    public async Task<RunningProgram> StartAsync(IDictionary<string, string> environment, string[]? wrapper = null)
    {
        var info = new ProcessStartInfo(wrapper is null ? Program : wrapper[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] args = wrapper is null ? ["serve"] : [.. wrapper[1..], Program, "serve"];
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["Urls"] = "http://127.0.0.1:0";
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        // The start-up probe writes an object to the destination; a test that wants it sets Backup__ProbeAtStart=true.
        info.Environment["Backup__ProbeAtStart"] = "false";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info)!;
        var output = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(_ => listening.TrySetException(
            new InvalidOperationException("Respaldo exited before listening:\n" + string.Join('\n', output))), TaskScheduler.Default);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        return new RunningProgram(process, await listening.Task.WaitAsync(timeout.Token), output);

        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                output.Add(line);
            }
            if (Listening().Match(line) is { Success: true } m)
            {
                listening.TrySetResult(new Uri(m.Groups[1].Value));
            }
        }
    }

    /// <summary>Runs a verb of the executable to completion.</summary>
    public Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(IDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(Program);
        args.ToList().ForEach(info.ArgumentList.Add);
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        return ServerProcess.RunAsync(info, TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}

/// <summary>A started executable: its address, its output so far, and a graceful stop as systemd does it (SIGTERM).</summary>
public sealed class RunningProgram(Process process, Uri address, List<string> output) : IAsyncDisposable
{
    public Uri Address => address;

    public int ProcessId => process.Id;

    public string Output
    {
        get
        {
            lock (output)
            {
                return string.Join('\n', output);
            }
        }
    }

    /// <summary>Sends SIGTERM to <paramref name="pid"/> (default: the started process) and waits for the started process to exit.</summary>
    public async Task<int> TerminateAsync(int? pid = null)
    {
        using (var kill = Process.Start("kill", ["-TERM", (pid ?? process.Id).ToString()]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        process.Dispose();
        return ValueTask.CompletedTask;
    }
}
