using System.Net;
using System.Net.Sockets;
using Respaldo.Commands;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Faults;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// Start-up failures of the real executable as a person meets them: one clear sentence on stderr naming the address,
/// folder, user or setting, never a stack trace or the host's BackgroundServiceExceptionBehavior advice; exit code 2
/// when only a configuration change helps, 1 when a restart may (systemd's RestartPreventExitStatus=2 relies on it).
/// </summary>
public sealed class StartupFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Text that is not cron, and cron that names a day that never comes (the service would never back up).</summary>
    [Theory]
    [InlineData("every day at 2am", "Backup:Schedule: 'every day at 2am' is not a cron expression; e.g. '0 0 * * *'")]
    [InlineData("0 0 30 2 *", "Backup:Schedule: '0 0 30 2 *' names a day that never comes (such as 30 February), so no backup would ever run")]
    public async Task AScheduleThatCannotRunStopsStartUpNamingTheKeyAndQuotingTheValue(string schedule, string expected)
    {
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["serve", "--urls=http://127.0.0.1:0", $"--Storage:Directory={folder.Sub("records")}", $"--Backup:Schedule={schedule}"]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Contains(expected, stderr);
        AssertPlain(stdout + stderr);
        Assert.DoesNotContain("Now listening", stdout + stderr);
    }

    [Theory]
    [InlineData("My_Bucket", "lowercase letters, digits, dots and hyphens")]
    [InlineData("ab", "3 to 63 characters")]
    [InlineData("-bucket", "begins and ends with a letter or digit")]
    [InlineData("my..bucket", "no two dots in a row")]
    [InlineData("192.168.5.4", "not an IP address")]
    [InlineData("xn--bucket", "cannot begin with 'xn--'")]
    [InlineData("bucket-s3alias", "cannot end with '-s3alias'")]
    public async Task AnS3BucketNameIsCheckedByS3sRules(string bucket, string rule)
    {
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["status", $"--Storage:Directory={folder.Sub("records")}", $"--Backup:Destination=s3://{bucket}/records"]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Contains($"Backup:Destination: 's3://{bucket}/records' is not a usable S3 destination: ", stderr);
        Assert.Contains(rule, stderr);
        AssertPlain(stdout + stderr);
    }

    [Theory]
    [InlineData("--Intake:MaxBodyBytes=lots", "Intake:MaxBodyBytes: 'lots' is not a whole number.")]
    [InlineData("--Storage:RetryAfter=soon", "Storage:RetryAfter: 'soon' is not a duration; write hh:mm:ss")]
    [InlineData("--Intake:MaxBodyBytes=1", "Intake:MaxBodyBytes: '1' must be between 256 and 1048576.")]
    [InlineData("--Backup:TimeZone=Mars/Olympus", "Backup:TimeZone: 'Mars/Olympus' is not a known IANA time zone")]
    [InlineData("--Backup:PayloadMode=Fast", "Backup:PayloadMode: 'Fast' is not one of Chunked, Plain.")]
    public async Task AnInvalidSettingIsOneLineWithTheKeyAndTheRejectedValue(string setting, string message)
    {
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["serve", "--urls=http://127.0.0.1:0", $"--Storage:Directory={folder.Sub("records")}", setting]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Contains(message, stderr);
        AssertPlain(stdout + stderr);
    }

    [Fact]
    public async Task APortInUseNamesTheAddressAndExitsOneSoThatTheServiceManagerRetries()
    {
        using var folder = new TempFolder();
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)occupant.LocalEndpoint).Port}";

        var spool = Path.Combine(folder.Path, "records");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["serve", $"--urls={address}", $"--Storage:Directory={spool}", "--Backup:ProbeAtStart=false"]);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Equal($"Cannot listen on {address}: another program already uses it. Stop that program, or set another address with --urls (or Urls).", stderr.Trim());
        AssertPlain(stdout + stderr);
        // Checked before the spool is touched: recovery would have created the folder and its state folder.
        Assert.False(Directory.Exists(spool), "the spool folder was created before the port was found busy");
    }

    [Fact]
    public async Task ASpoolFolderTheUserCannotWriteNamesTheFolderAndTheUser()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
        {
            Assert.Skip("Needs root and setpriv, to run the program as the unprivileged user nobody.");
        }
        using var folder = new TempFolder();
        File.SetUnixFileMode(folder.Path, (UnixFileMode)0b111_101_101); // nobody may enter, not write
        var locked = Directory.CreateDirectory(folder.Sub("locked")).FullName;
        File.SetUnixFileMode(locked, (UnixFileMode)0b111_101_101);
        var spool = Path.Combine(locked, "records");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["serve", "--urls=http://127.0.0.1:0", $"--Storage:Directory={spool}", "--Backup:ProbeAtStart=false"],
            new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = folder.Path, ["HOME"] = folder.Path },
            wrapper: ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains($"Storage:Directory: the spool folder {spool} is not writable by user nobody", stderr);
        // The folder to fix is the one that exists: chown of the spool folder, not made yet, would fail.
        Assert.Contains($"Give that user write access to {locked} (e.g. chown nobody {locked})", stderr);
        AssertPlain(stdout + stderr);
        Assert.False(Directory.Exists(spool));
    }

    [Fact]
    public async Task ASecondServiceOnTheSameSpoolExitsOneWithOneLine()
    {
        using var folder = new TempFolder();
        var spool = folder.Sub("records");
        await using var first = await RespaldoProcess.ServeAsync(folder.Path, [$"--Storage:Directory={spool}"], Ct);

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["serve", "--urls=http://127.0.0.1:0", $"--Storage:Directory={spool}", "--Backup:ProbeAtStart=false"]);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains($"Another Respaldo service is already using the spool folder {spool}", stderr);
        AssertPlain(stdout + stderr);
    }

    /// <summary>No stack trace, no type names, no host advice: what a person reads is Respaldo's own sentences.</summary>
    internal static void AssertPlain(string output)
    {
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("Exception", output);
        Assert.DoesNotContain("BackgroundServiceExceptionBehavior", output);
        Assert.DoesNotContain("System.", output);
        Assert.DoesNotContain("Description:", output);
    }
}
