using System.Diagnostics;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// strace attached to a running process and all its threads (<c>strace -f -p PID</c>), recording the calls that
/// write, rename, open and sync files and that send responses, with file descriptors shown as paths (<c>-y</c>),
/// and optionally injecting faults (<c>-e inject=...</c>). Attaching after start-up keeps start-up's own calls out
/// of the injection counters, which strace keeps per call and per thread: <c>when=N</c> on <c>write</c> means the
/// Nth write of each thread from the moment of attaching.
/// </summary>
internal sealed class Strace : IAsyncDisposable
{
    public const string TracedCalls = "trace=openat,write,rename,renameat,renameat2,unlink,unlinkat,syncfs,fsync,fdatasync,sendto,sendmsg,writev";

    private readonly Process _process;
    private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _stderr = [];

    private Strace(Process process, string output)
    {
        _process = process;
        Output = output;
    }

    public string Output { get; }

    /// <summary>Debian's strace, or null when it is not installed (test.sh installs it).</summary>
    public static string? Find()
    {
        var path = ServerProcess.FindExecutable("/usr/bin/strace", "strace");
        return File.Exists(path) ? path : null;
    }

    /// <summary>Attaches to <paramref name="pid"/>; returns once every thread it has is traced.</summary>
    public static async Task<Strace> AttachAsync(string executable, int pid, string output, params string[] injections)
    {
        var info = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        string[] args = ["-f", "-y", "-s", "512", "-o", output, "-e", TracedCalls, .. injections.SelectMany(i => new[] { "-e", i }), "-p", pid.ToString()];
        args.ToList().ForEach(info.ArgumentList.Add);
        var process = new Process { StartInfo = info };
        var strace = new Strace(process, output);
        process.ErrorDataReceived += (_, e) => strace.Remember(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await Task.WhenAny(strace._attached.Task, process.WaitForExitAsync(timeout.Token));
        if (!strace._attached.Task.IsCompleted)
        {
            throw new InvalidOperationException($"strace did not attach to {pid}: {string.Join('\n', strace._stderr)}");
        }
        return strace;
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_stderr)
        {
            _stderr.Add(line);
        }
        // "strace: Process 123 attached with 25 threads": all threads of the moment are traced, new ones follow.
        if (line.Contains(" attached", StringComparison.Ordinal))
        {
            _attached.TrySetResult();
        }
    }

    /// <summary>Detaches (SIGINT: the process goes on untraced) and returns the trace.</summary>
    public async Task<SystemCallTrace> DetachAsync()
    {
        if (!_process.HasExited)
        {
            using var interrupt = Process.Start("kill", ["-INT", _process.Id.ToString()]);
            await interrupt.WaitForExitAsync(TestContext.Current.CancellationToken);
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30));
        }
        return SystemCallTrace.Read(Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }
}
