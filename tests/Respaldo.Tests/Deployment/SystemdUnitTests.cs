using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Respaldo.Commands;
using Respaldo.Hosting;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Deployment;

/// <summary>The shipped systemd units: valid for systemd, sandboxed, and consistent with what the program does.</summary>
public sealed class SystemdUnitTests
{
    private static readonly string[] Units = ["respaldo.service", "respaldo-backup.service", "respaldo-backup.timer"];
    private static readonly string[] Services = ["respaldo.service", "respaldo-backup.service"];
    private const string StateDirectory = "/var/lib/respaldo";

    [Fact]
    public async Task EveryShippedUnitPassesSystemdAnalyzeVerifyWithoutAWarning()
    {
        var analyze = ServerProcess.FindExecutable("/usr/bin/systemd-analyze", "systemd-analyze");
        Assert.SkipUnless(File.Exists(analyze), "systemd-analyze is not installed (Debian package systemd)");
        using var temp = new TempFolder();
        // verify checks that ExecStart's program exists: point it at a stand-in, leaving every other line as shipped.
        var program = Path.Combine(temp.Path, "Respaldo");
        await File.WriteAllTextAsync(program, "#!/bin/sh\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var copies = Units.Select(unit =>
        {
            var copy = Path.Combine(temp.Path, unit);
            File.WriteAllText(copy, File.ReadAllText(RepoFiles.Deploy(unit)).Replace("/opt/respaldo/Respaldo", program));
            return copy;
        }).ToList();
        var info = new ProcessStartInfo(analyze) { ArgumentList = { "verify", "--man=no" } };
        copies.ForEach(info.ArgumentList.Add);

        var (exitCode, stdout, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0 && stderr.Trim().Length == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
    }

    [Theory]
    [InlineData("respaldo.service")]
    [InlineData("respaldo-backup.service")]
    public void TheServiceRunsAsADedicatedUnprivilegedUserInAReadOnlySandbox(string unitName)
    {
        var unit = UnitFile.Shipped(unitName);

        Assert.Equal("respaldo", unit["User"]);
        Assert.Equal("respaldo", unit["Group"]);
        Assert.Equal("yes", unit["NoNewPrivileges"]);
        Assert.Equal("yes", unit["PrivateTmp"]);
        Assert.Equal("yes", unit["PrivateDevices"]);
        Assert.Equal("strict", unit["ProtectSystem"]);
        Assert.Equal("yes", unit["ProtectHome"]);
        Assert.Equal("", unit["CapabilityBoundingSet"]);
        Assert.Equal("", unit["AmbientCapabilities"]);
        Assert.Equal(["@system-service", "~@privileged"], unit.All("SystemCallFilter"));
        Assert.Equal("0077", unit["UMask"]);
        Assert.Equal(["AF_INET", "AF_INET6", "AF_UNIX"], unit["RestrictAddressFamilies"]!.Split(' ').Order());
    }

    [Theory]
    [InlineData("respaldo.service")]
    [InlineData("respaldo-backup.service")]
    public void TheServiceCanWriteOnlyItsStateDirectoryAndKeepsTheSpoolInIt(string unitName)
    {
        var unit = UnitFile.Shipped(unitName);

        Assert.Equal("respaldo", unit["StateDirectory"]);
        Assert.Equal([StateDirectory], unit.All("ReadWritePaths"));
        Assert.Equal(StateDirectory, unit["WorkingDirectory"]);
        Assert.Equal(StateDirectory + "/records", unit.Environment["Storage__Directory"]);
        Assert.Equal("-/etc/respaldo/respaldo.env", unit["EnvironmentFile"]);
        Assert.Null(unit["DynamicUser"]); // a fixed user, so a cron backup can run as the same one
    }

    [Fact]
    public void TheBackupUnitRunsTheSameProgramInTheSameSandboxAsTheService()
    {
        var service = UnitFile.Shipped("respaldo.service");
        var backup = UnitFile.Shipped("respaldo-backup.service");
        string[] notSandbox = ["Type", "ExecStart", "Restart", "RestartSec", "RestartPreventExitStatus", "SuccessExitStatus", "TimeoutStopSec"];

        Assert.Equal("/opt/respaldo/Respaldo serve", service["ExecStart"]);
        Assert.Equal("/opt/respaldo/Respaldo backup", backup["ExecStart"]);
        Assert.Equal(
            service.Entries("Service").Where(e => !notSandbox.Contains(e.Key)).Order(),
            backup.Entries("Service").Where(e => !notSandbox.Contains(e.Key)).Order());
    }

    [Fact]
    public async Task SystemdWaitsLongerThanTheHostsOwnShutdownTimeoutBeforeKillingTheService()
    {
        using var temp = new TempFolder();
        await using var app = RespaldoHost.BuildWebApp([$"--Storage:Directory={temp.Path}", "--Backup:Schedule=off"]);
        var hostTimeout = app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;

        foreach (var unitName in Services)
        {
            var stop = TimeSpan.FromSeconds(int.Parse(UnitFile.Shipped(unitName)["TimeoutStopSec"]!.TrimEnd('s')));
            Assert.True(stop > hostTimeout, $"{unitName}: TimeoutStopSec {stop} must exceed the host's shutdown timeout {hostTimeout}");
        }
    }

    [Fact]
    public void TheServiceIsRestartedAfterACrashButNotForInvalidConfigurationAndABusyBackupIsNoFailure()
    {
        var service = UnitFile.Shipped("respaldo.service");
        var backup = UnitFile.Shipped("respaldo-backup.service");

        Assert.Equal("on-failure", service["Restart"]);
        Assert.Equal([ExitCodes.InvalidConfig.ToString()], service["RestartPreventExitStatus"]!.Split(' '));
        Assert.Equal([ExitCodes.Busy.ToString()], backup["SuccessExitStatus"]!.Split(' '));
    }
}
