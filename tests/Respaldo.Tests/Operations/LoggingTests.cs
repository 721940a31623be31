using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Respaldo.Spool;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Security;
using static Respaldo.Tests.Records.Aftermath;

namespace Respaldo.Tests.Operations;

/// <summary>Log lines as a person or a log shipper reads them: every line of a run names the run.</summary>
public sealed partial class LoggingTests
{
    private static readonly object Valid = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };

    /// <summary>A spool with two records and one file that is not a complete record (it gets quarantined by the run).</summary>
    private static async Task<RespaldoApplication> SpoolWithDebrisAsync(TempFolder root, params string[] settings)
    {
        var app = await new RespaldoApplication(settings, null, root).StartAsync();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        File.WriteAllText(Path.Combine(app.SpoolDirectory, RecordId.FileName(RecordId.New(DateTimeOffset.UtcNow))), "{\"half\": ");
        return app;
    }

    private static string BlockedDestination(TempFolder root)
    {
        var blocked = Path.Combine(root.Path, "not-a-folder");
        File.WriteAllText(blocked, "a file where the backup folder should be");
        return blocked;
    }

    [Fact]
    public async Task EveryLogEntryOfABackupRunCarriesItsRunId()
    {
        using var root = new TempFolder();
        var capture = new ScopeCapture();
        await using var app = new RespaldoApplication(
            [.. LogCapture.EverythingSettings, $"--Backup:Destination={BlockedDestination(root)}", "--Backup:MaxAttempts=1"],
            services => services.AddSingleton<ILoggerProvider>(capture), root);
        await app.StartAsync();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        File.WriteAllText(Path.Combine(app.SpoolDirectory, RecordId.FileName(RecordId.New(DateTimeOffset.UtcNow))), "{\"half\": ");

        using var backup = await app.Client.PostAsync("/backup", null, Bounded());
        var runId = (await backup.Content.ReadFromJsonAsync<JsonElement>(Bounded())).GetProperty("runId").GetString();

        var runEntries = capture.Entries.Where(e => e.Category == "Respaldo.Backup.BackupRunner").ToList();
        Assert.Contains(runEntries, e => e.Message.Contains("not a complete record", StringComparison.Ordinal));
        Assert.Equal(2, runEntries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("DestinationIo", StringComparison.Ordinal)));
        Assert.All(runEntries, e => Assert.Equal(runId, e.RunId));
    }

    [Fact]
    public async Task JsonFormatWritesEachLogLineAsAJsonObjectWithTheRunIdInItsScopes()
    {
        using var root = new TempFolder();
        await using var app = await SpoolWithDebrisAsync(root);
        await app.StopAsync();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={BlockedDestination(root)}", "--Backup:MaxAttempts=1", "--Logging:Format=json"]);

        Assert.Equal(1, code);
        var runId = RunIdOf(stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var runLines = lines.Where(l => l.GetProperty("Category").GetString() == "Respaldo.Backup.BackupRunner").ToList();
        // The quarantined file; the two failed uploads are in the summary on stdout, printed once; information is filtered out.
        Assert.Single(runLines);
        Assert.Contains("not a complete record", runLines[0].GetProperty("Message").GetString());
        Assert.Equal(2, stdout.Split('\n').Count(l => l.Contains("DestinationIo", StringComparison.Ordinal) && !l.Contains("Errors:", StringComparison.Ordinal)));
        Assert.All(runLines, l => Assert.Contains(l.GetProperty("Scopes").EnumerateArray(),
            s => s.TryGetProperty("RunId", out var id) && id.GetString() == runId));
    }

    [Fact]
    public async Task TextFormatIsOneReadableLinePerEntryEndingWithTheRunIdWhenTheMessageLacksIt()
    {
        using var root = new TempFolder();
        await using var app = await SpoolWithDebrisAsync(root);
        await app.StopAsync();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}"]);

        Assert.Equal(0, code);
        var runId = RunIdOf(stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn Respaldo\.Backup\.BackupRunner: .* is not a complete record .*\[run " + runId + @"\]$", line.TrimEnd());
    }

    [Fact]
    public async Task AnUnknownLogFormatStopsTheProgramNamingTheKey()
    {
        using var root = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(root.Path, ["status", "--Logging:Format=xml"]);

        Assert.Equal(2, code);
        Assert.Contains("Logging:Format", stdout + stderr);
    }

    private static string RunIdOf(string summary) => RunIdPattern().Match(summary) is { Success: true } m
        ? m.Groups[1].Value
        : throw new Xunit.Sdk.XunitException($"No run id in: {summary}");

    [GeneratedRegex(@"command run ([0-9a-f]{12}) ")]
    private static partial Regex RunIdPattern();
}
