using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Bundles;

/// <summary>
/// A bundle line is a record file's exact bytes, so a file with a line break in it (put in or edited by hand; the
/// service writes one line) cannot go into a bundle: it would split into two lines that are not records and make the
/// whole bundle unreadable after its other files were deleted.
/// </summary>
public sealed class LineBreakTests
{
    [Fact]
    public async Task ARecordFileWithALineBreakFailsAloneAndEveryBundleStaysReadable()
    {
        using var root = new TempFolder();
        var spool = Path.Combine(root.Path, "records");
        var backup = Path.Combine(root.Path, "backup");
        var files = Bundles.Spool(spool, 5, 1, DateTimeOffset.UtcNow.AddMinutes(-5));
        var edited = files.Keys.Order().ElementAt(2);
        var editedPath = Path.Combine(spool, $"{edited:D}.json");
        await File.WriteAllBytesAsync(editedPath, [.. files[edited], (byte)'\n'], TestContext.Current.CancellationToken); // an editor's final newline

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(root.Path,
            ["backup", $"--Storage:Directory={spool}", $"--Backup:Destination={backup}", "--Backup:Layout=Bundle"]);

        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("4 uploaded, 1 failed", stdout);
        Assert.Equal([$"{edited:D}.json"], Directory.GetFiles(spool, "*.json").Select(Path.GetFileName));
        var stored = Bundles.Expand(Faults.DestinationContents.FromDirectory(backup)); // fails on a line that is not a record
        Assert.Equal(files.Keys.Where(id => id != edited).Order(),
            stored.Keys.Select(k => Guid.Parse(Path.GetFileNameWithoutExtension(k[(k.LastIndexOf('/') + 1)..]))).Order());
        Assert.All(stored, s => Assert.Equal(files[Guid.Parse(Path.GetFileNameWithoutExtension(s.Key[(s.Key.LastIndexOf('/') + 1)..]))], s.Value));
        var restored = Path.Combine(root.Path, "restored");
        var restore = await RespaldoCli.RunAsync(root.Path, ["restore", "--into", restored, $"--Backup:Destination={backup}", "--Backup:Layout=Bundle"]);
        Assert.True(restore.ExitCode == 0, restore.StdOut + restore.StdErr);
        Assert.Equal(4, Directory.GetFiles(restored, "*.json").Length);
    }

    [Fact]
    public async Task EveryFileThatFailsIsNamedOnceEvenBeyondTheSummarysFirstErrors()
    {
        using var root = new TempFolder();
        var spool = Path.Combine(root.Path, "records");
        var files = Bundles.Spool(spool, 15, 1, DateTimeOffset.UtcNow.AddMinutes(-5));
        var edited = files.Keys.Order().Take(12).ToList(); // more than the summary's 10 first errors
        foreach (var id in edited)
        {
            await File.WriteAllBytesAsync(Path.Combine(spool, $"{id:D}.json"), [.. files[id], (byte)'\n'], TestContext.Current.CancellationToken);
        }

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(root.Path,
            ["backup", $"--Storage:Directory={spool}", $"--Backup:Destination={Path.Combine(root.Path, "backup")}", "--Backup:Layout=Bundle"]);

        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("3 uploaded, 12 failed", stdout);
        foreach (var id in edited)
        {
            var mentions = (stdout + "\n" + stderr).Split('\n').Count(l => l.Contains(id.ToString("D"), StringComparison.Ordinal));
            Assert.True(mentions == 1, $"{id} is named {mentions} times\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
        }
    }
}
