using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Records;

namespace Respaldo.Tests.Security;

/// <summary>Personal data is private by default: once any key is configured, nothing that returns a record is open.</summary>
public sealed class PrivacyTests
{
    private const string Key = "privacy-key-4d2e8a1f0b7c";
    private static readonly object Record = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };

    private static HttpClient WithKey(RespaldoApplication app) =>
        new() { BaseAddress = app.BaseAddress, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", Key) } };

    [Fact]
    public async Task WithAKeyConfiguredReadingARecordBackNeedsAKeyWhileIntakeStaysOpen()
    {
        await using var app = await new RespaldoApplication($"--Security:ApiKeys:0={Key}").StartAsync();
        using var authorized = WithKey(app);

        using var stored = await app.PostRecordAsync(Record);
        using var anonymousRead = await app.Client.GetAsync(stored.Headers.Location, Aftermath.Bounded());
        using var authorizedRead = await authorized.GetAsync(stored.Headers.Location, Aftermath.Bounded());

        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        var problem = await Aftermath.AssertProblemAsync(anonymousRead, 401);
        Assert.DoesNotContain("Ana", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, authorizedRead.StatusCode);
    }

    [Fact]
    public async Task RequireKeyForIntakeDemandsAKeyToPostAndWritesNothingWithoutOne()
    {
        await using var app = await new RespaldoApplication($"--Security:ApiKeys:0={Key}", "--Security:RequireKeyForIntake=true").StartAsync();
        using var authorized = WithKey(app);

        using var anonymous = await app.PostRecordAsync(Record);
        Aftermath.AssertNothingStored(app);
        using var stored = await authorized.PostAsJsonAsync("/store_data/", Record, Aftermath.Bounded());

        await Aftermath.AssertProblemAsync(anonymous, 401);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.Single(Aftermath.RecordFiles(app));
    }

    [Theory]
    [InlineData("--Security:RequireKeyForIntake=true", "Security:RequireKeyForIntake")]
    [InlineData("--Security:ProtectRecords=true", "Security:ProtectRecords")]
    public async Task RequiringAKeyForIntakeWithoutAnyKeyStopsTheServiceAtStart(string setting, string named)
    {
        await using var app = new RespaldoApplication(setting);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(app.StartAsync);

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public async Task AKeyShorterThan16CharactersStopsTheServiceAtStartNamingTheSettingButNotTheKey()
    {
        await using var app = new RespaldoApplication($"--Security:ApiKeys:0={Key}", "--Security:ApiKeys:1=short-k3y-15chr");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(app.StartAsync);

        Assert.Contains("Security:ApiKeys:1", error.Message);
        Assert.Contains("at least 16", error.Message);
        Assert.DoesNotContain("short-k3y", error.Message);
        Assert.DoesNotContain(Key, error.Message);
    }

    [Fact]
    public async Task AFailingBackupCopyIsReportedWithoutAbsoluteServerPathsWhichGoToTheLog()
    {
        var logs = new LogCapture();
        await using var app = await new RespaldoApplication([.. LogCapture.EverythingSettings], logs.Register).StartAsync();
        using var stored = await app.PostRecordAsync(Record);
        await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Aftermath.Bounded());
        var copy = Assert.Single(Directory.GetFiles(app.BackupDirectory, "*.json", SearchOption.AllDirectories));
        File.WriteAllText(copy, "{\"tampered\":true}");

        using var read = await app.Client.GetAsync(stored.Headers.Location, Aftermath.Bounded());

        var problem = await Aftermath.AssertProblemAsync(read, 502);
        Assert.DoesNotContain(app.Root.Path, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(copy), problem.GetProperty("detail").GetString());
        Assert.Contains(logs.Entries, e => e.Contains(copy, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BackupSummariesAndStatusOverHttpNameNoAbsoluteServerPath()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        (await app.PostRecordAsync(Record)).EnsureSuccessStatusCode();
        // A file where the backup folder should be: every upload fails with a local I/O error that names a path.
        File.WriteAllText(app.BackupDirectory, "not a folder");

        using var backup = await app.Client.PostAsync("/backup", null, Aftermath.Bounded());
        using var status = await app.Client.GetAsync("/status", Aftermath.Bounded());

        var summary = await backup.Content.ReadFromJsonAsync<JsonElement>(Aftermath.Bounded());
        Assert.Equal(1, summary.GetProperty("failed").GetInt32());
        Assert.NotEmpty(summary.GetProperty("firstErrors").EnumerateArray());
        Assert.DoesNotContain(app.Root.Path, string.Join("\n", summary.GetProperty("firstErrors").EnumerateArray()), StringComparison.Ordinal);
        var report = await status.Content.ReadFromJsonAsync<JsonElement>(Aftermath.Bounded());
        // The destination itself is configuration, shown to operators; the errors are what must name no path.
        var errors = report.GetProperty("recentRuns").EnumerateArray().Append(report.GetProperty("lastRun"))
            .SelectMany(r => r.GetProperty("firstErrors").EnumerateArray()).Select(e => e.GetString()).ToArray();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.DoesNotContain(app.Root.Path, e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnwritableSpoolIsReportedByHealthWithoutItsPath()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        Directory.Delete(app.SpoolDirectory, recursive: true);

        using var health = await app.Client.GetAsync("/healthz", Aftermath.Bounded());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var body = await health.Content.ReadAsStringAsync(Aftermath.Bounded());
        Assert.Contains("not writable", body);
        Assert.DoesNotContain(app.Root.Path, body, StringComparison.Ordinal);
    }
}
