using System.Text.Json;
using Respaldo.Commands;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// A new operator's findings (issue #10), on the real executable: a mistake in --urls, a mistyped spool folder or
/// destination, a setting only serve reads, the wrong user: each is one sentence naming the setting and what to write,
/// exit code 2, and nothing created on disk.
/// </summary>
public sealed class OperatorFindingsTests
{
    [Theory]
    [InlineData("localhost:18443", "needs the scheme http://")]
    [InlineData("http://127.0.0.1:99999", "the host or the port (0 to 65535) is not valid")]
    [InlineData("https://127.0.0.1:18443", "no certificate is configured")]
    [InlineData("tcp://127.0.0.1:18443", "needs the scheme http://")]
    [InlineData("http://10.255.255.1:8000", "which this machine does not have")]
    public async Task AnAddressKestrelCannotListenOnIsOneSentenceBeforeTheSpoolIsCreated(string url, string reason)
    {
        using var folder = new TempFolder();
        var spool = Path.Combine(folder.Path, "records");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["serve", "--urls", url, $"--Storage:Directory={spool}", "--Backup:ProbeAtStart=false"]);

        Assert.True(code == ExitCodes.InvalidConfig, $"exit {code}\n{stdout}\n{stderr}");
        Assert.StartsWith($"--urls (Urls): '{url}' ", stderr.Trim());
        Assert.Contains(reason, stderr);
        Assert.Contains("http://127.0.0.1:8000", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        StartupFailureTests.AssertPlain(stdout + stderr);
        Assert.False(Directory.Exists(spool), "the spool folder was created for an address that cannot be used");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BackupOfASpoolFolderThatDoesNotExistSaysSoAndCreatesNothing(bool dryRun)
    {
        using var folder = new TempFolder();
        var spool = Path.Combine(folder.Path, "x", "typo-spool");
        string[] verb = dryRun ? ["backup", "--dry-run"] : ["backup"];

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            [.. verb, $"--Storage:Directory={spool}", $"--Backup:Destination={folder.Sub("backup")}"]);

        Assert.True(code == ExitCodes.InvalidConfig, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Equal($"Storage:Directory: the spool folder {spool} does not exist; check the setting (or start the service once to create it).", stderr.Trim());
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "x")), "backup created the mistyped spool folder");
    }

    [Theory]
    [InlineData("--Intake:MaxBodyBytes=1", "Intake:MaxBodyBytes: '1' must be between 256 and 1048576.")]
    [InlineData("--Security:ApiKeys:0=short", "Security:ApiKeys:0: the key has 5 characters")]
    [InlineData("--Security:RateLimit:PermitsPerSecond=abc", "Security:RateLimit:PermitsPerSecond: 'abc' is not a whole number.")]
    [InlineData("--Security:TrustedProxies:0=notanip", "Security:TrustedProxies:0: 'notanip'")]
    public async Task CheckRefusesEverySettingThatWouldStopServe(string setting, string message)
    {
        using var folder = new TempFolder();
        string[] settings = [$"--Storage:Directory={folder.Sub("records")}", $"--Backup:Destination={folder.Sub("backup")}", setting];

        var serve = await RespaldoCli.RunAsync(folder.Path, ["serve", "--urls=http://127.0.0.1:0", "--Backup:ProbeAtStart=false", .. settings]);
        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path, ["check", .. settings]);

        Assert.Equal(ExitCodes.InvalidConfig, serve.ExitCode);
        Assert.True(code == ExitCodes.InvalidConfig, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("settings are valid", stdout);
        StartupFailureTests.AssertPlain(stdout + stderr);
    }

    [Fact]
    public async Task RestoreFromAFolderDestinationThatDoesNotExistSaysSoAndCreatesNothing()
    {
        using var folder = new TempFolder();
        var into = Path.Combine(folder.Path, "r");
        var destination = Path.Combine(folder.Path, "nodest");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["restore", "--into", into, $"--Backup:Destination={destination}"]);

        Assert.True(code == ExitCodes.InvalidConfig, $"exit {code}\n{stdout}\n{stderr}");
        Assert.StartsWith($"Backup:Destination: the backup folder {destination} does not exist;", stderr.Trim());
        Assert.False(Directory.Exists(into), "restore created --into for a source that does not exist");
        Assert.False(Directory.Exists(destination));
    }

    [Fact]
    public async Task RestoreFromAnEmptySourceSaysNoRecordsWereFound()
    {
        using var folder = new TempFolder();
        var destination = folder.Sub("backup");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["restore", "--into", Path.Combine(folder.Path, "r"), $"--Backup:Destination={destination}"]);

        Assert.True(code == ExitCodes.Success, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"No backed-up records found in directory {destination}.", stdout);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("backup")]
    public async Task AVerbRunByTheWrongUserSaysToRunAsTheServicesUser(string verb)
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
        {
            Assert.Skip("Needs root and setpriv, to run the program as the unprivileged user nobody.");
        }
        using var folder = new TempFolder();
        File.SetUnixFileMode(folder.Path, (UnixFileMode)0b111_101_101); // nobody may enter the temp folder, not write
        var spool = folder.Sub("records");
        File.SetUnixFileMode(spool, (UnixFileMode)0b111_000_000); // the service's 0700 spool, owned by root

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            [verb, $"--Storage:Directory={spool}", $"--Backup:Destination={folder.Sub("backup")}"],
            new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = folder.Path, ["HOME"] = folder.Path },
            wrapper: ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]);

        Assert.True(code == ExitCodes.InvalidConfig, $"exit {code}\n{stdout}\n{stderr}");
        Assert.StartsWith($"Storage:Directory: the spool folder {spool} is not readable by user nobody", stderr.Trim());
        Assert.Contains("Run as the service's user", stderr);
        StartupFailureTests.AssertPlain(stdout + stderr);
    }

    [Fact]
    public async Task BackupDryRunJsonIsOneJsonObjectWithThePlannedObjectsAndTotals()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        for (var i = 0; i < 2; i++)
        {
            (await app.PostRecordAsync(new { nombre = $"Ana {i}", edad = 30 + i, profesion = "Archivera" })).EnsureSuccessStatusCode();
        }
        await app.StopAsync();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(app.Root.Path,
            ["backup", "--dry-run", "--json", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}"]);

        Assert.True(code == ExitCodes.Success, $"exit {code}\n{stdout}\n{stderr}");
        using var json = JsonDocument.Parse(stdout); // the whole of stdout: one object and nothing else
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("files").GetInt32());
        Assert.Equal("Record", root.GetProperty("layout").GetString());
        Assert.Equal(2, root.GetProperty("objects").GetArrayLength());
        Assert.Equal(root.GetProperty("bytes").GetInt64(), root.GetProperty("objects").EnumerateArray().Sum(o => o.GetProperty("bytes").GetInt64()));
        Assert.Equal(2, app.SpoolFiles().Length);
    }

    [Theory]
    [InlineData("s3:/my-bucket/records")]
    [InlineData("https://s3.amazonaws.com/my-bucket")]
    [InlineData("S3:my-bucket")]
    public async Task ADestinationThatLooksLikeAUrlIsRefusedInsteadOfBecomingALocalFolder(string destination)
    {
        using var folder = new TempFolder();
        var spool = folder.Sub("records");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["backup", $"--Storage:Directory={spool}", $"--Backup:Destination={destination}"]);

        Assert.True(code == ExitCodes.InvalidConfig, $"exit {code}\n{stdout}\n{stderr}");
        Assert.StartsWith($"Backup:Destination: '{destination}' looks like a URL", stderr.Trim());
        Assert.Contains("'s3://bucket/prefix'", stderr);
        Assert.Equal([spool], Directory.GetDirectories(folder.Path));
    }
}
