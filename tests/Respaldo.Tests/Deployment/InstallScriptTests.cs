using System.Diagnostics;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Deployment;

/// <summary>
/// deploy/install.sh run with DESTDIR (below a temporary root, without the user, ownership and systemctl steps,
/// which need a real system): where it puts the program, the units and the site's settings, and what an upgrade keeps.
/// </summary>
public sealed class InstallScriptTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InstallingPutsTheProgramTheUnitsAndAPrivateEnvironmentFileInPlace()
    {
        using var temp = new TempFolder();
        var output = FakePublishOutput(temp, "v1");
        var root = temp.Sub("root");

        var (exitCode, stdout, stderr) = await InstallAsync(output, root);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal("v1", await File.ReadAllTextAsync(Path.Combine(root, "opt/respaldo/appsettings.json"), Ct));
        Assert.True(File.GetUnixFileMode(Path.Combine(root, "opt/respaldo/Respaldo")).HasFlag(UnixFileMode.OtherExecute));
        foreach (var unit in new[] { "respaldo.service", "respaldo-backup.service", "respaldo-backup.timer" })
        {
            Assert.Equal(await File.ReadAllTextAsync(RepoFiles.Deploy(unit), Ct), await File.ReadAllTextAsync(Path.Combine(root, "etc/systemd/system", unit), Ct));
        }
        var environmentFile = Path.Combine(root, "etc/respaldo/respaldo.env");
        Assert.Equal(await File.ReadAllTextAsync(RepoFiles.Deploy("respaldo.env.aws.example"), Ct), await File.ReadAllTextAsync(environmentFile, Ct));
        // It holds credentials: no one but root and the service's group may read it.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(environmentFile));
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(Path.Combine(root, "etc/respaldo")) & (UnixFileMode.OtherRead | UnixFileMode.OtherExecute));
        Assert.True(Directory.Exists(Path.Combine(root, "var/log/respaldo")));
        Assert.Contains("systemctl enable --now respaldo", stdout);
    }

    [Fact]
    public async Task AnUpgradeKeepsTheSitesSettingsAndThePreviousVersionForARollback()
    {
        using var temp = new TempFolder();
        var root = temp.Sub("root");
        Assert.Equal(0, (await InstallAsync(FakePublishOutput(temp, "v1"), root)).ExitCode);
        var environmentFile = Path.Combine(root, "etc/respaldo/respaldo.env");
        await File.WriteAllTextAsync(environmentFile, "Backup__Destination=s3://site-bucket/records\n", Ct);

        var (exitCode, _, stderr) = await InstallAsync(FakePublishOutput(temp, "v2"), root);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal("v2", await File.ReadAllTextAsync(Path.Combine(root, "opt/respaldo/appsettings.json"), Ct));
        Assert.Equal("v1", await File.ReadAllTextAsync(Path.Combine(root, "opt/respaldo.previous/appsettings.json"), Ct));
        Assert.Equal("Backup__Destination=s3://site-bucket/records\n", await File.ReadAllTextAsync(environmentFile, Ct));
        Assert.False(Directory.Exists(Path.Combine(root, "opt/respaldo.next")));
    }

    [Fact]
    public async Task InstallingFromAFolderWithoutTheExecutableFailsAndInstallsNothing()
    {
        using var temp = new TempFolder();
        var root = temp.Sub("root");

        var (exitCode, _, stderr) = await InstallAsync(temp.Sub("empty"), root);

        Assert.Equal(2, exitCode);
        Assert.Contains("publish.sh", stderr);
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    /// <summary>What deploy/publish.sh leaves: the executable and the appsettings.json beside it (here marked with a version).</summary>
    private static string FakePublishOutput(TempFolder temp, string version)
    {
        var output = temp.Sub("out-" + version);
        var program = Path.Combine(output, "Respaldo");
        File.WriteAllText(program, "#!/bin/sh\necho " + version + "\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.WriteAllText(Path.Combine(output, "appsettings.json"), version);
        return output;
    }

    private static Task<(int ExitCode, string StdOut, string StdErr)> InstallAsync(string output, string root)
    {
        var info = new ProcessStartInfo("/bin/bash") { ArgumentList = { RepoFiles.Deploy("install.sh"), output } };
        info.Environment["DESTDIR"] = root;
        return ServerProcess.RunAsync(info, TimeSpan.FromSeconds(60), Ct);
    }
}
