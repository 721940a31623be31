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

    /// <summary>install.sh's exit code when it installed everything but left the service disabled.</summary>
    private const int NotEnabled = 3;

    [Fact]
    public async Task InstallingPutsTheProgramTheUnitsAndAPrivateEnvironmentFileInPlace()
    {
        using var temp = new TempFolder();
        var output = FakePublishOutput(temp, "v1");
        var root = temp.Sub("root");

        var (exitCode, _, stderr) = await InstallAsync(output, root);

        // Everything is installed; only enabling waits until the example's placeholders are edited.
        Assert.True(exitCode == NotEnabled, stderr);
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
    }

    [Fact]
    public async Task InstallingRefusesToEnableTheServiceWhileTheExamplesPlaceholdersRemainAndNamesEachLine()
    {
        using var temp = new TempFolder();
        var root = temp.Sub("root");
        var example = await File.ReadAllLinesAsync(RepoFiles.Deploy("respaldo.env.aws.example"), Ct);
        var bucketLine = Array.FindIndex(example, l => l.StartsWith("Backup__Destination=", StringComparison.Ordinal)) + 1;
        var urlsLine = Array.FindIndex(example, l => l.StartsWith("Urls=http://0.0.0.0", StringComparison.Ordinal)) + 1;

        var (exitCode, stdout, stderr) = await InstallAsync(FakePublishOutput(temp, "v1"), root);

        Assert.Equal(NotEnabled, exitCode);
        Assert.Contains("not enabling respaldo", stderr);
        Assert.Contains($"line {bucketLine}: Backup__Destination=s3://my-company-respaldo/records (a placeholder from the example)", stderr);
        Assert.Contains($"line {urlsLine}: Urls=http://0.0.0.0:8000 listens beyond this machine without an API key", stderr);
        Assert.Contains("/opt/respaldo/Respaldo check", stderr);
        Assert.DoesNotContain("systemctl enable", stdout + stderr);
    }

    [Fact]
    public async Task InstallingWithEditedSettingsSaysToRunCheckThenEnable()
    {
        using var temp = new TempFolder();
        var root = temp.Sub("root");
        Directory.CreateDirectory(Path.Combine(root, "etc/respaldo"));
        await File.WriteAllTextAsync(Path.Combine(root, "etc/respaldo/respaldo.env"),
            "Backup__Destination=s3://site-bucket/records\nUrls=http://0.0.0.0:8000\nSecurity__ApiKeys__0=a-long-random-site-key-0042\n", Ct);

        var (exitCode, stdout, stderr) = await InstallAsync(FakePublishOutput(temp, "v1"), root);

        Assert.True(exitCode == 0, stderr);
        Assert.True(stdout.IndexOf("Respaldo check", StringComparison.Ordinal) < stdout.IndexOf("systemctl enable --now respaldo", StringComparison.Ordinal), stdout);
        Assert.Contains("Respaldo check", stdout);
    }

    // Review finding (issue 10): only 0.0.0.0, [::], * and + counted as open, so a host name, a LAN address or
    // ASPNETCORE_URLS enabled a keyless service reachable from the network. Kestrel takes any host name as every address.
    [Theory]
    [InlineData("Urls=http://myhost:8000", true)]
    [InlineData("Urls=http://192.168.1.5:8000", true)]
    [InlineData("Urls=http://127.0.0.1:8000;http://10.0.0.7:8000", true)]
    [InlineData("ASPNETCORE_URLS=http://10.0.0.7:8000", true)]
    [InlineData("export ASPNETCORE_URLS=\"http://[fe80::1]:8000\"", true)]
    [InlineData("Urls=http://localhost:8000", false)]
    [InlineData("Urls=http://127.0.0.2:8000;http://[::1]:8000", false)]
    public async Task AnyListenHostButLoopbackWithoutAnApiKeyKeepsTheServiceDisabled(string urlsLine, bool open)
    {
        using var temp = new TempFolder();
        var root = temp.Sub("root");
        Directory.CreateDirectory(Path.Combine(root, "etc/respaldo"));
        await File.WriteAllTextAsync(Path.Combine(root, "etc/respaldo/respaldo.env"), $"Backup__Destination=s3://site-bucket/records\n{urlsLine}\n", Ct);

        var (exitCode, stdout, stderr) = await InstallAsync(FakePublishOutput(temp, "v1"), root);

        if (open)
        {
            Assert.Equal(NotEnabled, exitCode);
            Assert.Contains($"line 2: {urlsLine} listens beyond this machine without an API key", stderr);
            Assert.DoesNotContain("systemctl enable --now respaldo\n", stdout);
        }
        else
        {
            Assert.True(exitCode == 0, stderr);
        }
    }

    [Fact]
    public async Task AnUpgradeKeepsTheSitesSettingsAndThePreviousVersionForARollback()
    {
        using var temp = new TempFolder();
        var root = temp.Sub("root");
        Assert.Equal(NotEnabled, (await InstallAsync(FakePublishOutput(temp, "v1"), root)).ExitCode);
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
