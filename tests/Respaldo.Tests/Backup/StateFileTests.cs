using System.Diagnostics;
using System.Text.RegularExpressions;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Backup;

/// <summary><c>.respaldo/state.json</c> is written like every other file Respaldo keeps: durably, never half.</summary>
public sealed partial class StateFileTests
{
    [Fact]
    public async Task TheRunStateIsFsyncedBeforeItsRenameAndItsFolderAfter()
    {
        var strace = ServerProcess.FindExecutable("/usr/bin/strace", "strace");
        Assert.SkipUnless(File.Exists(strace), "strace is not installed (test.sh installs it)");
        using var root = new TempFolder();
        var spool = root.Sub("records");
        var trace = Path.Combine(root.Path, "trace");
        var info = new ProcessStartInfo(strace, ["-f", "-qq", "-e", "trace=openat,fsync,rename,renameat,renameat2", "-o", trace,
            await NativeExecutable.GetAsync(), "backup", $"--Storage:Directory={spool}", $"--Backup:Destination={root.Path}/backup"]);
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";

        var (code, _, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        var lines = (await File.ReadAllLinesAsync(trace, TestContext.Current.CancellationToken)).Select(l => l.Trim()).ToList();
        var state = Path.Combine(spool, ".respaldo");
        var rename = lines.FindIndex(l => l.Contains("rename") && l.Contains($"\"{state}/state.json\""));
        Assert.True(code == 0, stderr);
        Assert.True(rename >= 0, "no rename onto state.json in the trace");
        var temp = Quoted().Match(lines[rename]).Groups[1].Value;
        var tempFd = FdOpened(lines, 0, rename, temp);
        var folderFd = FdOpened(lines, rename, lines.Count, state);
        Assert.Contains(lines.Take(rename), l => l.Contains($"fsync({tempFd})"));
        Assert.Contains(lines.Skip(rename), l => l.Contains($"fsync({folderFd})"));
    }

    /// <summary>The descriptor an <c>openat</c> of exactly <paramref name="path"/> returned between the two lines.</summary>
    private static string FdOpened(List<string> lines, int from, int to, string path)
    {
        var open = lines.Skip(from).Take(to - from).LastOrDefault(l => l.Contains("openat(") && l.Contains($"\"{path}\""));
        Assert.True(open is not null, $"{path} was never opened");
        return Returned().Match(open).Groups[1].Value;
    }

    [GeneratedRegex("\"([^\"]+\\.tmp)\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"= (\d+)$")]
    private static partial Regex Returned();
}
