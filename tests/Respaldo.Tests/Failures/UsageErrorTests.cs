using Respaldo.Commands;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>Usage errors of every verb: exit code 2 and a short message that says what to fix, not the whole help.</summary>
public sealed class UsageErrorTests
{
    [Fact]
    public async Task AMisspeltVerbIsAUsageErrorWithASuggestionNotAServer()
    {
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path, ["backpu", "--urls=http://127.0.0.1:0"]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Contains("Unknown command 'backpu'. Did you mean 'backup'?", stderr);
        Assert.DoesNotContain("listening", stdout + stderr);
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "data")), "a server started and created its spool");
    }

    [Theory]
    [InlineData(new[] { "restore" }, "Option '--into' is required.")]
    [InlineData(new[] { "restore", "--into", "out", "--from", "2026-13-01" }, "--from: '2026-13-01' is not a date; write it as yyyy-mm-dd, e.g. 2026-11-01.")]
    [InlineData(new[] { "restore", "--into", "out", "--to", "yesterday" }, "--to: 'yesterday' is not a date; write it as yyyy-mm-dd")]
    [InlineData(new[] { "restore", "--into", "out", "--from", "2026-11-02", "--to", "2026-11-01" }, "--to (2026-11-01) is before --from (2026-11-02)")]
    [InlineData(new[] { "restore", "--into", "out", "--id", "42" }, "--id: '42' is not a record id")]
    [InlineData(new[] { "backup", "--dryrun" }, "Unknown option '--dryrun'. Did you mean '--dry-run'?")]
    [InlineData(new[] { "status", "now" }, "Unexpected argument 'now'.")]
    [InlineData(new[] { "check", "--verbose" }, "Unknown option '--verbose'.")]
    [InlineData(new[] { "serve", "extra" }, "Unexpected argument 'extra'.")]
    public async Task AUsageErrorExitsTwoWithAShortMessage(string[] args, string message)
    {
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path, [.. args, "--urls=http://127.0.0.1:0"]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Contains(message, stderr);
        Assert.True(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 3, "the whole help was printed:\n" + stderr);
        StartupFailureTests.AssertPlain(stdout + stderr);
    }
}
