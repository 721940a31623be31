using System.Collections.Concurrent;
using System.Diagnostics;

namespace Respaldo.Tests.Infrastructure;

/// <summary>
/// A server child process on a free loopback port, ready once it answers HTTP, killed with its whole tree on dispose.
/// Also runs short-lived tools (aws, npm) to completion.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly ConcurrentDictionary<Process, byte> Live = new();
    private readonly Process _process;
    private readonly Queue<string> _output = new();

    static ServerProcess()
    {
        // A crashed or cancelled test run must not leave servers listening behind it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Live.Keys)
            {
                TryKill(process);
            }
        };
    }

    private ServerProcess(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>The last lines the process wrote to stdout and stderr, for failure messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>
    /// Starts the server on a fresh port, retrying on another port when it exits early (the port may have been taken
    /// between <see cref="FreePort.Next"/> and the server's bind).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string name, Func<int, ProcessStartInfo> startInfo, CancellationToken ct = default)
    {
        var failures = new List<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort.Next();
            var server = Launch(startInfo(port), new Uri($"http://127.0.0.1:{port}"));
            try
            {
                if (await server.WaitUntilAnsweringAsync(ct))
                {
                    return server;
                }

                await server._process.WaitForExitAsync(ct); // lets the last stderr lines arrive
                failures.Add($"exited with code {server._process.ExitCode}:\n{server.RecentOutput}");
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }

            await server.DisposeAsync();
        }

        throw new InvalidOperationException($"{name} did not start. Attempts:\n{string.Join("\n---\n", failures)}");
    }

    private static ServerProcess Launch(ProcessStartInfo info, Uri endpoint)
    {
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        var process = new Process { StartInfo = info };
        var server = new ServerProcess(process, endpoint);
        process.OutputDataReceived += (_, e) => server.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => server.Remember(e.Data);
        process.Start();
        Live.TryAdd(process, 0);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <returns>true once any HTTP answer arrives; false if the process exited first.</returns>
    private async Task<bool> WaitUntilAnsweringAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                using var response = await http.GetAsync(Endpoint, ct);
                return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException(
            $"{_process.StartInfo.FileName} did not answer on {Endpoint} within {StartTimeout.TotalSeconds} s. Output:\n{RecentOutput}");
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
    }

    /// <summary>The preinstalled tool at <paramref name="preferred"/>, else the first <paramref name="name"/> on PATH.</summary>
    public static string FindExecutable(string preferred, string name)
    {
        if (File.Exists(preferred))
        {
            return preferred;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                   .Select(dir => Path.Combine(dir, name))
                   .FirstOrDefault(File.Exists) ?? name;
    }

    /// <summary>Runs a tool to completion; kills it (and its children) if it outlives <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(ProcessStartInfo info, TimeSpan timeout, CancellationToken ct = default)
    {
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        process.StandardInput.Close();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            TryKill(process);
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish within {timeout.TotalSeconds} s.");
        }
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        TryKill(_process);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        Live.TryRemove(_process, out _);
        _process.Dispose();
    }
}
