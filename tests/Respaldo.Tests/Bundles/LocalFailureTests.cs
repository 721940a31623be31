using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Bundles;

/// <summary>
/// One bad local file never stops a backup or a restore, in either layout, under real conditions: a record file owned
/// by root with mode 0600 while the backup runs as <c>nobody</c>, a file removed while the run is under way, a folder
/// where a restored file should go, and temporary files left by an interrupted restore.
/// </summary>
public sealed class LocalFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Record")]
    [InlineData("Bundle")]
    public async Task AFileTheBackupCannotReadFailsAloneAndTheRunEndsWithItsSummaryAndExitCode1(string layout)
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
        {
            Assert.Skip("Needs root and setpriv to run the backup as nobody against a file owned by root.");
        }
        using var root = new TempFolder();
        var spool = Path.Combine(root.Path, "records");
        var backup = Path.Combine(root.Path, "backup");
        var files = Bundles.Spool(spool, 6, 1, DateTimeOffset.UtcNow.AddMinutes(-5));
        await RunAsync("chown", ["-R", "nobody:nogroup", root.Path]);
        var locked = files.Keys.Order().ElementAt(2);
        var lockedPath = Path.Combine(spool, $"{locked:D}.json");
        await RunAsync("chown", ["root:root", lockedPath]);
        await RunAsync("chmod", ["0600", lockedPath]);

        var (code, stdout, stderr) = await RunAsync("/usr/bin/setpriv",
        [
            "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", await NativeExecutable.GetAsync(), "backup",
            $"--Storage:Directory={spool}", $"--Backup:Destination={backup}", $"--Backup:Layout={layout}",
        ], root.Path);

        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("5 uploaded, 1 failed", stdout);
        Assert.Contains("LocalIo 1", stdout);
        Assert.Contains(lockedPath, stdout + stderr);
        Assert.Equal([$"{locked:D}.json"], Directory.GetFiles(spool, "*.json").Select(Path.GetFileName));
        var stored = Bundles.Expand(Faults.DestinationContents.FromDirectory(backup));
        Assert.Equal(files.Keys.Where(id => id != locked).Order(), stored.Keys.Select(k => Guid.Parse(Path.GetFileNameWithoutExtension(k[(k.LastIndexOf('/') + 1)..]))).Order());
    }

    [Theory]
    [InlineData("Record")]
    [InlineData("Bundle")]
    public async Task AFileRemovedWhileTheRunIsUnderWayIsSkippedAndTheOthersAreBackedUp(string layout)
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var proxy = new FaultProxy(moto.Endpoint);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var app = await S3Setup.StartAsync(moto, bucket, proxy.Endpoint,
            $"--Backup:Layout={layout}", "--Backup:BundleMaxRecords=1", "--Backup:Concurrency=1");
        var files = Bundles.Spool(app.SpoolDirectory, 5, 1, DateTimeOffset.UtcNow.AddMinutes(-5));
        var removed = files.Keys.Order().Last();
        // The first upload is under way: the run listed every file already, and the last one disappears now.
        proxy.Rule = request =>
        {
            if (request.Method == "PUT")
            {
                File.Delete(Path.Combine(app.SpoolDirectory, $"{removed:D}.json"));
            }
            return Fault.None;
        };

        var summary = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        Assert.Equal((4, 0, 1, RunOutcome.Succeeded), (summary.Uploaded, summary.Failed, summary.Skipped, summary.Outcome));
        Assert.Empty(Directory.GetFiles(app.SpoolDirectory, "*.json"));
        Assert.Equal(4, (await AwsCli.ListKeysAsync(moto, bucket, ct: Ct)).Count);
    }

    [Theory]
    [InlineData("Record")]
    [InlineData("Bundle")]
    public async Task ARestoreFailsOnlyTheRecordWhoseNameIsTakenByAFolderAndLeftoverTemporaryFilesNeverBlockIt(string layout)
    {
        await using var app = await new RespaldoApplication($"--Backup:Layout={layout}").StartAsync();
        var files = Bundles.Spool(app.SpoolDirectory, 4, 1, DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(4, (await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct)).Uploaded);
        var ids = files.Keys.Order().ToList();
        using var into = new TempFolder();
        Directory.CreateDirectory(Path.Combine(into.Path, $"{ids[0]:D}.json"));
        // What interrupted restores leave behind: the old fixed temporary name, and DurableFile's unique one.
        string[] leftovers = [$".{ids[1]:D}.tmp", $".{ids[1]:D}.json.0123456789ab.tmp"];
        foreach (var leftover in leftovers)
        {
            File.WriteAllText(Path.Combine(into.Path, leftover), "{\"id\":");
        }

        var summary = await app.Services.GetRequiredService<RestoreRunner>().RunAsync(new RestoreRequest(into.Path), ct: Ct);

        Assert.Equal((3, 1, RunOutcome.PartiallyFailed), (summary.Uploaded, summary.Failed, summary.Outcome));
        Assert.Equal(1, summary.ErrorsByKind["LocalIo"]);
        Assert.True(Directory.Exists(Path.Combine(into.Path, $"{ids[0]:D}.json")), "the folder is left as it was");
        foreach (var id in ids.Skip(1))
        {
            Assert.Equal(files[id], File.ReadAllBytes(Path.Combine(into.Path, $"{id:D}.json")));
        }
        // No temporary file of this restore is left behind; only the two that were there before.
        Assert.Equal(leftovers.Order(), Directory.GetFiles(into.Path, "*.tmp").Select(Path.GetFileName).Order());
    }

    private static async Task<(int Code, string StdOut, string StdErr)> RunAsync(string program, string[] args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory ?? "/" };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["HOME"] = workingDirectory ?? "/tmp";
        info.Environment["DOTNET_CLI_HOME"] = workingDirectory ?? "/tmp";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var result = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(2), Ct);
        Assert.True(program != "chown" && program != "chmod" || result.ExitCode == 0, result.StdErr);
        return result;
    }
}
