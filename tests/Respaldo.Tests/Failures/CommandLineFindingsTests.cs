using Respaldo.Commands;
using Respaldo.Security;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// What a new operator, using only the README, found wrong with the command line (issue 10, "Fail well"), each checked
/// on the published executable: its exit code, its stderr, and what it left on disk.
/// </summary>
public sealed partial class CommandLineFindingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // M4: an unknown option was taken for a setting nobody reads (serve --port 9000 listened on 8000), or the error
    // blamed the token after it. The serve cases also name port 0, so that a regression never takes port 8000.
    [Theory]
    [InlineData(new[] { "serve", "--port", "9000", "--urls=http://127.0.0.1:0" }, "Unknown option '--port'. Did you mean '--urls http://127.0.0.1:9000'? See 'respaldo serve --help'.")]
    [InlineData(new[] { "--port", "9000", "--urls=http://127.0.0.1:0" }, "Unknown option '--port'. Did you mean '--urls http://127.0.0.1:9000'? See 'respaldo serve --help'.")]
    [InlineData(new[] { "serve", "--host", "0.0.0.0", "--urls=http://127.0.0.1:0" }, "Unknown option '--host'. Did you mean '--urls http://0.0.0.0:8000'? See 'respaldo serve --help'.")]
    [InlineData(new[] { "serve", "--verbose", "--urls", "http://127.0.0.1:0" }, "Unknown option '--verbose'. See 'respaldo serve --help'.")]
    [InlineData(new[] { "serve", "-p", "9000", "--urls=http://127.0.0.1:0" }, "Unknown option '-p'. Did you mean '--urls http://127.0.0.1:9000'? See 'respaldo serve --help'.")]
    [InlineData(new[] { "backup", "--port", "9000" }, "Unknown option '--port'. See 'respaldo backup --help'.")]
    [InlineData(new[] { "status", "--jsno" }, "Unknown option '--jsno'. Did you mean '--json'? See 'respaldo status --help'.")]
    [InlineData(new[] { "restore", "--into", "out", "--Id", "x" }, "Unknown option '--Id'. Did you mean '--id'? See 'respaldo restore --help'.")]
    [InlineData(new[] { "check", "--Storage__Directory=/tmp/x" }, "Unknown option '--Storage__Directory'. Did you mean '--Storage:Directory=...'? See 'respaldo check --help'.")]
    public async Task AnUnknownOptionIsAUsageErrorNamingItAsTypedNotASetting(string[] args, string expected)
    {
        using var folder = new TempFolder();

        var (exited, code, output) = await WatchedProcess.RunAsync(folder.Path, args, until: null);

        Assert.True(exited, "it started a server instead:\n" + output);
        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Equal(expected, output.Trim());
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "data")), "it created a spool folder");
    }

    [Fact]
    public async Task SettingsPassThroughWithAndWithoutAnEqualsSign()
    {
        using var folder = new TempFolder();
        var port = FreePort.Next();
        var spool = folder.Sub("records");

        var (exited, _, output) = await WatchedProcess.RunAsync(folder.Path,
            ["serve", "--urls", $"http://127.0.0.1:{port}", "--Storage:Directory", spool, "--Backup:Schedule=off", "--environment", "Production"],
            until: $"Now listening on: http://127.0.0.1:{port}");

        Assert.False(exited, "it did not start:\n" + output);
        Assert.True(Directory.Exists(Path.Combine(spool, ".respaldo")), "--Storage:Directory given as two tokens was not used");
    }

    // M9: a host name in --urls makes Kestrel listen on every interface, silently.
    [Fact]
    public async Task AHostNameInUrlsIsSaidToListenOnAllInterfacesAndCountsAsBeyondLoopback()
    {
        using var folder = new TempFolder();
        var port = FreePort.Next();

        var (exited, _, output) = await WatchedProcess.RunAsync(folder.Path,
            ["serve", "--urls", $"http://respaldo-test-host:{port}", $"--Storage:Directory={folder.Sub("records")}", "--Backup:Schedule=off", "--Backup:ProbeAtStart=false"],
            until: "Exposure");

        Assert.False(exited, "it did not start:\n" + output);
        Assert.Contains($"--urls (Urls) 'http://respaldo-test-host:{port}' names the host respaldo-test-host, which is not an address, "
            + $"so the service listens on all interfaces (port {port})", output);
        Assert.Contains($"Listening beyond loopback (http://[::]:{port}) with no API key configured", output);
    }

    [Theory]
    [InlineData("http://myhost:8000", false)]
    [InlineData("http://[::]:8000", false)]
    [InlineData("http://localhost:8000", true)]
    [InlineData("http://127.0.0.1:8000", true)]
    public void OnlyLoopbackAddressesAndLocalhostCountAsLoopback(string address, bool loopback) =>
        Assert.Equal(loopback, Exposure.IsLoopback(address));

    // 3 and 4: every usage error of every verb is one or two lines ending with the same pointer to the verb's help.
    [Theory]
    [InlineData("restore", new[] { "restore", "--into", "out", "--from", "2026-11-02", "--to", "2026-11-01" })]
    [InlineData("restore", new[] { "restore", "--into", "out", "--id", "42" })]
    [InlineData("restore", new[] { "restore" })]
    [InlineData("restore", new[] { "restore", "--into" })]
    [InlineData("restore", new[] { "restore", "--into", "out", "--from", "2026-13-01" })]
    [InlineData("restore", new[] { "restore", "--into", "/proc/respaldo-no-such-folder" })]
    [InlineData("backup", new[] { "backup", "--dryrun" })]
    [InlineData("backup", new[] { "backup", "now" })]
    [InlineData("status", new[] { "status", "now" })]
    [InlineData("check", new[] { "check", "--verbose" })]
    [InlineData("serve", new[] { "serve", "extra" })]
    [InlineData("serve", new[] { "serve", "--urls" })]
    public async Task EveryUsageErrorEndsWithTheVerbsHelpHint(string verb, string[] args)
    {
        using var folder = new TempFolder();

        var (exited, code, output) = await WatchedProcess.RunAsync(folder.Path, args, until: null);

        Assert.True(exited, output);
        Assert.Equal(ExitCodes.InvalidConfig, code);
        var lines = output.Trim().Split('\n');
        Assert.InRange(lines.Length, 1, 2);
        Assert.EndsWith($" See 'respaldo {verb} --help'.", lines[^1]);
        StartupFailureTests.AssertPlain(output);
    }

    [Fact]
    public async Task RestoreIntoAFolderThatCannotBeCreatedNamesIntoTheFolderAndTheReason()
    {
        using var folder = new TempFolder();
        var into = "/proc/respaldo-" + Guid.NewGuid().ToString("N")[..8];

        var (exited, code, output) = await WatchedProcess.RunAsync(folder.Path, ["restore", "--into", into, $"--Backup:Destination={folder.Path}"], until: null);

        Assert.True(exited, output);
        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Equal($"--into: {into} cannot be created: /proc takes no new files or folders (a virtual file system such as /proc); "
            + "give --into another folder. See 'respaldo restore --help'.", output.Trim());
        Assert.False(Directory.Exists(into));
    }

    // 5: help without System.CommandLine's boilerplate and with balanced brackets.
    [Theory]
    [InlineData("")]
    [InlineData("serve")]
    [InlineData("backup")]
    [InlineData("restore")]
    [InlineData("status")]
    [InlineData("check")]
    public async Task EachVerbsHelpReadsCleanly(string verb)
    {
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path, verb.Length == 0 ? ["--help"] : [verb, "--help"]);

        Assert.Equal(0, code);
        Assert.Empty(stderr);
        Assert.StartsWith($"Usage:\n  respaldo {(verb.Length == 0 ? "[command]" : verb)} ", stdout);
        foreach (var boilerplate in new[] { "Additional Arguments", "additional arguments", "Arguments passed to the application", "Show help and usage information", "[--]" })
        {
            Assert.DoesNotContain(boilerplate, stdout);
        }
        foreach (var (open, close) in new[] { ('[', ']'), ('<', '>'), ('(', ')') })
        {
            Assert.True(stdout.Count(c => c == open) == stdout.Count(c => c == close), $"unbalanced {open}{close}:\n{stdout}");
        }
    }

    // 6: a range bound of long.MaxValue printed as 9.22E+18.
    [Fact]
    public async Task ARangeErrorPrintsItsBoundsAsPlainIntegers()
    {
        using var folder = new TempFolder();

        var (code, _, stderr) = await RespaldoCli.RunAsync(folder.Path, ["status", "--Storage:MaxBytes=-1", "--Backup:Concurrency=0"]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Contains("Storage:MaxBytes: '-1' must be 0 or more.", stderr);
        Assert.Contains("Backup:Concurrency: '0' must be between 1 and 512.", stderr);
        Assert.DoesNotContain("E+", stderr);
    }
}
