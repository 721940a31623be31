using Respaldo.Commands;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// Findings of an adversarial review (issue 10, "Fail well"), each checked on the published executable: a listen
/// setting that was accepted and ignored, secrets repeated in usage errors, and a `status` that could stop a service
/// from starting. (The fourth finding, install.sh and listen hosts, is in Deployment/InstallScriptTests.)
/// </summary>
public sealed class ReviewFindingsTests
{
    private const string Secret = "s3cr3t-api-key-0123456789";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // 1: --http_ports was taken as a setting, and the default address overrode it: the service listened on 8000.
    // The cases also name port 0 with --urls, so that a regression never takes port 8000.
    [Theory]
    [InlineData("--http_ports", "http")]
    [InlineData("--https_ports", "https")]
    public async Task APortsOptionIsAUsageErrorSuggestingUrlsNotAnIgnoredSetting(string option, string scheme)
    {
        using var folder = new TempFolder();
        var port = FreePort.Next();

        var run = await WatchedProcess.RunAsync(folder.Path, ["serve", option, $"{port}", "--urls=http://127.0.0.1:0"]);

        Assert.True(run.Exited, "it started a server instead:\n" + run.Output);
        Assert.Equal(ExitCodes.InvalidConfig, run.Code);
        Assert.Equal($"Unknown option '{option}'. Did you mean '--urls {scheme}://127.0.0.1:{port}'? See 'respaldo serve --help'.", run.Output.Trim());
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "data")), "it created a spool folder");
    }

    [Theory]
    [InlineData("ASPNETCORE_HTTP_PORTS", "http_ports")]
    [InlineData("ASPNETCORE_HTTPS_PORTS", "https_ports")]
    public async Task APortsEnvironmentVariableIsRefusedInOneSentenceNotOverridden(string variable, string key)
    {
        using var folder = new TempFolder();

        var run = await WatchedProcess.RunAsync(folder.Path, ["serve", "--urls=http://127.0.0.1:0"], environment: new() { [variable] = $"{FreePort.Next()}" });

        Assert.True(run.Exited, "it started a server instead:\n" + run.Output);
        Assert.Equal(ExitCodes.InvalidConfig, run.Code);
        Assert.Equal($"{key} ({variable}) is not used by Respaldo; set where it listens with Urls or --urls instead, e.g. http://127.0.0.1:8000.", run.Output.Trim());
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "data")), "it created a spool folder");
    }

    // 2: the "did you mean" suggestion repeated the value, and an API key goes to cron logs with it.
    [Theory]
    [InlineData("backup", "--Security__ApiKeys__0", Secret)]
    [InlineData("backup", "--Security__ApiKeys__0=" + Secret, null)]
    [InlineData("check", "--Security.ApiKeys.0", Secret)]
    public async Task ASuggestionForASettingNamesTheKeyButNeverRepeatsItsValue(string verb, string option, string? value)
    {
        using var folder = new TempFolder();

        var run = await WatchedProcess.RunAsync(folder.Path, value is null ? [verb, option] : [verb, option, value]);

        Assert.Equal(ExitCodes.InvalidConfig, run.Code);
        Assert.Contains("Did you mean '--Security:ApiKeys:0=...'?", run.Output);
        Assert.DoesNotContain("s3cr3t", run.Output);
    }

    // 2: response files were on, so a value starting with '@' was read as a file, and its name (the secret) echoed.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AValueStartingWithAnAtSignIsNeitherReadAsAFileNorPrinted(bool fileExists)
    {
        using var folder = new TempFolder();
        if (fileExists)
        {
            // Read as a response file, its second token would be an unknown option the error names.
            await File.WriteAllTextAsync(Path.Combine(folder.Path, Secret), "x --read-from-the-response-file\n", Ct);
        }

        var run = await WatchedProcess.RunAsync(folder.Path, ["status", "--Security:ApiKeys:0", "@" + Secret, $"--Storage:Directory={folder.Sub("records")}"]);

        Assert.True(run.Exited, run.Output);
        Assert.DoesNotContain("s3cr3t", run.Output);
        Assert.DoesNotContain("read-from-the-response-file", run.Output);
        Assert.DoesNotContain("Response file", run.Output);
        Assert.NotEqual(ExitCodes.InvalidConfig, run.Code);
    }

    // 3: `status` takes a shared lock on serve.lock for a moment; a service starting in that moment refused to run.
    [Fact]
    public async Task AServiceStartsWhileStatusBrieflyHoldsItsSharedLock()
    {
        using var folder = new TempFolder();
        var spool = folder.Sub("records");
        var state = Path.Combine(spool, ".respaldo");
        Directory.CreateDirectory(state);
        var port = FreePort.Next();
        // A host name makes serve say so before the host starts (and so before the spool lock): the moment to wait for.
        var hostLine = "names the host respaldo-test-host";
        var shared = new FileStream(Path.Combine(state, "serve.lock"), FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
        try
        {
            var run = await WatchedProcess.RunAsync(folder.Path,
                ["serve", "--urls", $"http://respaldo-test-host:{port}", $"--Storage:Directory={spool}", "--Backup:Schedule=off", "--Backup:ProbeAtStart=false"],
                until: $"Now listening on: http://[::]:{port}",
                whenSeen: (hostLine, async process =>
                {
                    await Task.Delay(300, Ct);
                    Assert.False(process.HasExited, "serve gave up while the shared lock was held");
                    await shared.DisposeAsync();
                }));

            Assert.False(run.Exited, "it did not start:\n" + run.Output);
            Assert.DoesNotContain("Another Respaldo service", run.Output);
        }
        finally
        {
            await shared.DisposeAsync();
        }
    }
}
