using Respaldo.Commands;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// A misspelt setting is refused, not ignored: the configuration binder skips a key no property reads, so
/// <c>--Storage:Directroy=/srv/spool</c> used to start a service on the default spool folder, and
/// <c>--Backup:Destinaton=s3://…</c> one that backs up to the default local folder. And a service refused for any
/// setting creates nothing, not even its spool folder.
/// </summary>
public sealed class ConfigurationKeyTests
{
    [Theory]
    [InlineData("Storage:Directroy", "Storage:Directory")]
    [InlineData("Backup:Destinaton", "Backup:Destination")]
    [InlineData("Intake:MaxBodyByte", "Intake:MaxBodyBytes")]
    [InlineData("Security:ApiKey", "Security:ApiKeys")]
    [InlineData("Security:RateLimit:PermitsPerSec", "Security:RateLimit:PermitsPerSecond")]
    [InlineData("Telemetry:OtlpEndpiont", "Telemetry:OtlpEndpoint")]
    public async Task AMisspeltSettingStopsTheServiceNamingItAndTheSettingMeantAndCreatesNothing(string typed, string meant)
    {
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path, ["serve", "--urls=http://127.0.0.1:0", $"--{typed}=value"]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Contains($"{typed}: there is no such setting, so its value would be ignored. Did you mean {meant}?", stderr);
        StartupFailureTests.AssertPlain(stdout + stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path)); // the default spool folder (data/records) included
    }

    [Fact]
    public async Task AMisspeltSettingFromTheEnvironmentIsRefusedByEveryVerbThatReadsIt()
    {
        using var folder = new TempFolder();
        var env = new Dictionary<string, string> { ["Backup__Destinaton"] = "s3://bucket/records" };

        foreach (var verb in new[] { "backup", "status", "check" })
        {
            var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path, [verb, $"--Storage:Directory={folder.Sub("records")}"], env);

            Assert.True(code == ExitCodes.InvalidConfig, $"{verb} exited {code}: {stdout}{stderr}");
            Assert.Contains("Backup:Destinaton: there is no such setting", stderr);
        }
    }

    /// <summary>Security__ApiKeys=k (without __0) bound nothing: the service ran open, and check said all was well.</summary>
    [Theory]
    [InlineData("Security__ApiKeys", "Security:ApiKeys")]
    [InlineData("Security__TrustedProxies", "Security:TrustedProxies")]
    public async Task AListGivenAsASingleValueIsRefusedWithTheNumberedForm(string variable, string key)
    {
        using var folder = new TempFolder();
        const string secret = "0123456789abcdef0123456789abcdef";

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path, ["check", $"--Storage:Directory={folder.Sub("records")}"],
            new Dictionary<string, string> { [variable] = secret });

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Contains($"{key}: a list, so a single value given as {key} would be ignored; number the entries: {key}:0 (environment: {variable}__0)", stdout + stderr);
        Assert.DoesNotContain(secret, stdout + stderr);
    }

    [Theory]
    [InlineData("AWS_ENDPOINT_URL")]
    [InlineData("AWS_ENDPOINT_URL_S3")]
    public async Task AnEndpointVariableWithoutSchemeIsOneSentenceForEveryVerb(string variable)
    {
        using var folder = new TempFolder();
        var env = new Dictionary<string, string> { [variable] = "127.0.0.1:5123" };

        foreach (var args in new[] { new[] { "serve", "--urls=http://127.0.0.1:0" }, ["check"], ["backup"] })
        {
            var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
                [.. args, "--Backup:Destination=s3://bucket/records", $"--Storage:Directory={folder.Sub("records")}"], env);

            Assert.True(code == ExitCodes.InvalidConfig, $"{args[0]} exited {code}: {stdout}{stderr}");
            Assert.Contains($"{variable}: '127.0.0.1:5123' is not an http or https URL; e.g. 'http://127.0.0.1:9000'", stderr);
            StartupFailureTests.AssertPlain(stdout + stderr);
        }
    }

    [Fact]
    public async Task SettingsOfEveryCheckedSectionStillStartTheService()
    {
        using var folder = new TempFolder();

        // check validates every setting serve does, without serving: the keys below are all real ones.
        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
        [
            "check", $"--Storage:Directory={folder.Sub("records")}", $"--Backup:Destination={folder.Sub("backup")}",
            "--Backup:Layout=Bundle", "--Intake:MaxBodyBytes=4096", "--Security:ApiKeys:0=0123456789abcdef0123456789abcdef",
            "--Security:RateLimit:PermitsPerSecond=50", "--Security:RateLimit:Burst=100", "--security:trustedproxies:0=127.0.0.1",
        ]);

        Assert.True(code == ExitCodes.Success, $"check exited {code}: {stdout}{stderr}");
        Assert.DoesNotContain("no such setting", stdout + stderr);
    }

    [Fact]
    public async Task AServiceRefusedForAnInvalidValueCreatesNoSpoolFolder()
    {
        using var folder = new TempFolder();

        var (code, _, stderr) = await RespaldoCli.RunAsync(folder.Path, ["serve", "--urls=http://127.0.0.1:0", "--Backup:Schedule=bad"]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Contains("Backup:Schedule: 'bad' is not a cron expression", stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }
}
