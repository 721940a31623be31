using System.Collections.Concurrent;
using System.Diagnostics;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// The real program (the published Native AOT executable) as a separate process that a test can SIGKILL at any moment:
/// <see cref="Process.Kill()"/> sends SIGKILL on Linux, so no finally block, flush or shutdown hook runs.
/// </summary>
internal sealed class RespaldoProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private RespaldoProcess(Process process) => _process = process;

    public Uri? BaseAddress { get; private init; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => string.Join('\n', _output);

    /// <param name="launcher">A command that runs the program, e.g. <c>setpriv --reuid=nobody ...</c> to run it unprivileged.</param>
    public static RespaldoProcess Start(
        string workingDirectory, IEnumerable<string> args, IDictionary<string, string>? env = null, Uri? baseAddress = null,
        IReadOnlyList<string>? launcher = null)
    {
        var info = new ProcessStartInfo(launcher is [var tool, ..] ? tool : NativeExecutable.Path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in launcher?.Skip(1).Append(NativeExecutable.Path) ?? [])
        {
            info.ArgumentList.Add(arg);
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
        var process = new Process { StartInfo = info };
        var started = new RespaldoProcess(process) { BaseAddress = baseAddress };
        process.OutputDataReceived += (_, e) => started.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => started.Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Starts <c>serve</c> on a free port and returns once <c>/healthz</c> answers; retries on another port if the bind lost a race.</summary>
    public static async Task<RespaldoProcess> ServeAsync(
        string workingDirectory, IEnumerable<string> settings, CancellationToken ct, IDictionary<string, string>? env = null,
        IReadOnlyList<string>? launcher = null)
    {
        var failures = new List<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
            // The start-up probe writes an object to the destination; a test that wants it passes --Backup:ProbeAtStart=true.
            var server = Start(workingDirectory, ["serve", $"--urls={address}", "--Backup:ProbeAtStart=false", .. settings], env, address, launcher);
            if (await server.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30), ct))
            {
                return server;
            }
            await server.DisposeAsync();
            failures.Add(server.Output);
        }
        throw new InvalidOperationException("Respaldo serve did not start:\n" + string.Join("\n---\n", failures));
    }

    private async Task<bool> WaitUntilHealthyAsync(TimeSpan limit, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress!, "/healthz"), ct);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(50, ct);
        }
        return false;
    }

    /// <summary>SIGKILL, then waits until the process is gone (its locks and descriptors released by the kernel).</summary>
    public async Task KillAsync()
    {
        Kill();
        await WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGKILL without waiting; safe to call from any thread, e.g. from a proxy's fault rule.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <returns>The exit code; throws if the process outlives <paramref name="limit"/>.</returns>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Kill();
            throw new TimeoutException($"Respaldo (pid {_process.Id}) did not exit within {limit}. Output:\n{Output}");
        }
        return _process.ExitCode;
    }

    private void Remember(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }
        _process.Dispose();
    }
}
