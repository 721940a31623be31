using System.Diagnostics;
using System.Text.RegularExpressions;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Faults;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Bundles;

/// <summary>
/// A backup's blocking file calls (reading and deleting thousands of spool files) must not run on the thread pool:
/// in the service, the pool's threads answer intake requests, and a bundle run that blocked them stalled intake
/// answers for seconds (adversarial review). strace names the thread of every call (<c>-Y</c> prints its comm).
/// </summary>
public sealed partial class SpoolFileThreadTests
{
    [Fact]
    public async Task ABundleBackupReadsAndDeletesEverySpoolFileOnItsOwnThreadsNeverOnThePool()
    {
        if (Strace.Find() is not { } strace)
        {
            Assert.Skip("strace is not installed (test.sh installs it).");
            return;
        }
        using var root = new TempFolder();
        var spool = Path.Combine(root.Path, "records");
        var backup = Path.Combine(root.Path, "backup");
        var files = Bundles.Spool(spool, 300, 2, DateTimeOffset.UtcNow.AddHours(-3));
        var trace = Path.Combine(root.Path, "trace.txt");

        var info = new ProcessStartInfo(strace) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root.Path };
        foreach (var arg in new[] { "-f", "-Y", "-e", "trace=openat,unlinkat,unlink", "-o", trace, RespaldoCli.Executable, "backup",
            $"--Storage:Directory={spool}", $"--Backup:Destination={backup}", "--Backup:Layout=Bundle" })
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        Assert.Empty(Directory.GetFiles(spool, "*.json"));

        // Each spool file is opened once to be read and unlinked once, and both by a thread named respaldo-spool-…
        // (comm keeps 15 characters), not by the pool's ".NET TP Worker" threads.
        var calls = File.ReadLines(trace).Select(l => SpoolFileCall().Match(l)).Where(m => m.Success)
            .Where(m => files.ContainsKey(Guid.Parse(m.Groups["id"].Value))).ToList();
        var reads = calls.Where(m => m.Groups["call"].Value == "openat").ToList();
        var deletes = calls.Where(m => m.Groups["call"].Value.StartsWith("unlink", StringComparison.Ordinal)).ToList();
        Assert.Equal(files.Count, reads.Select(m => m.Groups["id"].Value).Distinct().Count());
        Assert.Equal(files.Count, deletes.Count);
        Assert.All(reads.Concat(deletes), m => Assert.True(m.Groups["thread"].Value.StartsWith("respaldo-spool", StringComparison.Ordinal),
            $"{m.Groups["call"].Value} of {m.Groups["id"].Value}.json ran on thread '{m.Groups["thread"].Value}'"));
    }

    // 12345<thread name> openat(AT_FDCWD, "/…/records/<id>.json", O_RDONLY…   or   unlinkat(AT_FDCWD, "/…/<id>.json", 0)
    [GeneratedRegex("""^\d+<(?<thread>[^>]*)>\s+(?<call>openat|unlinkat|unlink)\([^"]*"[^"]*/records/(?<id>[0-9a-f-]{36})\.json"(?<rest>.*)$""")]
    private static partial Regex SpoolFileCall();
}
