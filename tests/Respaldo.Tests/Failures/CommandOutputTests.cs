using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Commands;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// What the verbs print, as an operator reads it (findings of the last walkthrough, on the real executable): restore
/// speaks of restores, a restore folder it cannot write is a usage error before anything is downloaded, each failure is
/// printed once (the result on stdout, never repeated as warnings on stderr), and counts are in good grammar.
/// </summary>
public sealed class CommandOutputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RestoreJsonHasRestoresOwnFieldsNotTheBackupsOnes()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        await PostAsync(app, 2);
        await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
        var into = Path.Combine(app.Root.Path, "restored");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(app.Root.Path,
            ["restore", "--into", into, "--json", $"--Backup:Destination={app.BackupDirectory}"]);

        Assert.True(code == 0, stdout + stderr);
        using var json = JsonDocument.Parse(stdout);
        var report = json.RootElement;
        Assert.Equal(2, report.GetProperty("restored").GetInt32());
        Assert.Equal(0, report.GetProperty("failed").GetInt32());
        Assert.Equal(0, report.GetProperty("skipped").GetInt32());
        Assert.Equal(2, report.GetProperty("records").GetInt32());
        Assert.Equal(2, report.GetProperty("objectsRead").GetInt32());
        Assert.Equal(into, report.GetProperty("into").GetString());
        Assert.Equal("Succeeded", report.GetProperty("outcome").GetString());
        foreach (var backupsField in new[] { "uploaded", "layout", "objects", "objectBytes", "trigger", "files" })
        {
            Assert.False(report.TryGetProperty(backupsField, out _), $"restore --json has the backup's field '{backupsField}'");
        }

        var text = await RespaldoCli.RunAsync(app.Root.Path, ["restore", "--into", into, $"--Backup:Destination={app.BackupDirectory}"]);
        Assert.Contains($"into {into}: Succeeded. 0 restored, 0 failed, 2 skipped of 2 records from 2 objects read, 0 bytes written in", text.StdOut);
    }

    [Fact]
    public async Task RestoreIntoAPathUnderAFileIsAUsageErrorBeforeAnythingIsRead()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "not-a-folder");
        await File.WriteAllTextAsync(file, "x", Ct);
        var into = Path.Combine(file, "restored");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["restore", "--into", into, $"--Backup:Destination={folder.Sub("backup")}"]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Equal($"--into: {into} cannot be created because {file} is a file, not a folder; give --into another folder. See 'respaldo restore --help'.", stderr.Trim());
        Assert.Empty(stdout);
        StartupFailureTests.AssertPlain(stdout + stderr);
    }

    [Fact]
    public async Task RestoreIntoAFolderTheUserCannotWriteNamesTheFolderAndTheUserAndExitsTwo()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
        {
            Assert.Skip("Needs root and setpriv, to run the program as the unprivileged user nobody.");
        }
        using var folder = new TempFolder();
        File.SetUnixFileMode(folder.Path, (UnixFileMode)0b111_101_101);
        var locked = Directory.CreateDirectory(Path.Combine(folder.Path, "locked")).FullName;
        File.SetUnixFileMode(locked, (UnixFileMode)0b111_101_101); // nobody may enter, not write
        var backup = folder.Sub("backup");
        File.SetUnixFileMode(backup, (UnixFileMode)0b111_101_101);
        var into = Path.Combine(locked, "restored");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["restore", "--into", into, $"--Backup:Destination={backup}", $"--Storage:Directory={locked}"],
            new Dictionary<string, string> { ["HOME"] = folder.Path },
            wrapper: ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Equal($"--into: user nobody may not write {locked}, so cannot create {into}; give --into a folder that user can write, or give it write access (e.g. chown nobody {locked}). See 'respaldo restore --help'.", stderr.Trim());
        Assert.Empty(stdout);
        Assert.False(Directory.Exists(into));
    }

    [Fact]
    public async Task EachFailureOfABackupIsPrintedOnceOnStdoutAndNotRepeatedOnStderr()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var ids = await PostAsync(app, 2);
        await app.StopAsync();
        // The destination's folder cannot be made: a file stands where it should be, so every upload fails.
        var blocker = Path.Combine(app.Root.Path, "blocker");
        await File.WriteAllTextAsync(blocker, "x", Ct);

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(app.Root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={Path.Combine(blocker, "backup")}", "--Backup:RetryBaseDelay=00:00:00.010"]);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("0 uploaded, 2 failed, 0 skipped of 2 files", stdout);
        foreach (var id in ids)
        {
            var mentions = (stdout + stderr).Split('\n').Count(l => l.Contains(id, StringComparison.Ordinal));
            Assert.True(mentions == 1, $"record {id} is mentioned {mentions} times:\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
            Assert.DoesNotContain(id, stderr);
        }
    }

    [Fact]
    public async Task EachFailureOfARestoreIsPrintedOnceOnStdoutAndNotRepeatedOnStderr()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var id = (await PostAsync(app, 1)).Single();
        await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
        var stored = Directory.GetFiles(app.BackupDirectory, id + ".json", SearchOption.AllDirectories).Single();
        await File.WriteAllTextAsync(stored, "{\"tampered\":true}", Ct); // its .sha256 no longer matches

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(app.Root.Path,
            ["restore", "--into", Path.Combine(app.Root.Path, "restored"), $"--Backup:Destination={app.BackupDirectory}"]);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("0 restored, 1 failed, 0 skipped of 1 record from 1 object read", stdout);
        var mentions = (stdout + stderr).Split('\n').Count(l => l.Contains(id, StringComparison.Ordinal));
        Assert.True(mentions == 1, $"record {id} is mentioned {mentions} times:\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
        Assert.DoesNotContain(id, stderr);
    }

    [Fact]
    public async Task SummariesCountOneThingInTheSingular()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        await PostAsync(app, 1);
        string[] settings = [$"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}"];

        var dryRun = await RespaldoCli.RunAsync(app.Root.Path, ["backup", "--dry-run", .. settings]);
        var run = await RespaldoCli.RunAsync(app.Root.Path, ["backup", .. settings]);
        var bundle = new RunSummary
        {
            RunId = "r", Trigger = "test", Destination = "d", StartedAt = DateTimeOffset.UnixEpoch, FinishedAt = DateTimeOffset.UnixEpoch,
            Files = 1, Uploaded = 1, Bytes = 1, Layout = "Bundle", Objects = 1, ObjectBytes = 1,
        };

        Assert.Contains("Dry run: 1 file, ", dryRun.StdOut);
        Assert.Contains(" as 1 object (Record layout).", dryRun.StdOut);
        Assert.Contains("1 uploaded, 0 failed, 0 skipped of 1 file, ", run.StdOut);
        Assert.Contains("of 1 file, 1 byte in 0 s, as 1 bundle of 1 byte.", bundle.ToText());
    }

    private static async Task<List<string>> PostAsync(RespaldoApplication app, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var response = await app.PostRecordAsync(new { nombre = $"Ana {i}", edad = 30 + i, profesion = "Archivera" });
            ids.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!);
        }
        return ids;
    }
}
