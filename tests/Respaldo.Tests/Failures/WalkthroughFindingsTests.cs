using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// What the second review (an adversarial reader and a new operator) found in the destination check and restore:
/// server paths in the open <c>/healthz</c>, a clock warning that a backup run wiped, and a restore whose failures were
/// told as "no backed-up records found".
/// </summary>
public sealed class WalkthroughFindingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheDestinationCheckInHealthzAndStatusNamesNoServerPath()
    {
        var secret = $"/proc/respaldo-{Guid.NewGuid():N}";
        await using var app = await new RespaldoApplication($"--Backup:Destination={secret}", "--Backup:ProbeAtStart=true").StartAsync();

        var health = await UntilAsync(() => app.Client.GetFromJsonAsync<JsonElement>("/healthz", Ct),
            h => h.GetProperty("destination").ValueKind == JsonValueKind.Object);
        // /status names the configured destination on purpose (for operators, behind the keys when there are any);
        // its problems, like /healthz's, must not add server paths.
        var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Ct);

        Assert.False(health.GetProperty("destination").GetProperty("ok").GetBoolean());
        Assert.NotEmpty(health.GetProperty("destination").GetProperty("problems").EnumerateArray());
        Assert.DoesNotContain(secret, health.GetRawText());
        Assert.DoesNotContain(secret, status.GetProperty("destinationCheck").GetProperty("problems").GetRawText());
    }

    /// <summary>A run proves the destination takes writes, not that the clocks agree: a clock 8 min off still uploads.</summary>
    [Fact]
    public async Task ABackupRunClearsTheDestinationFailureButNotTheClockWarning()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var health = app.Services.GetRequiredService<DestinationHealth>();
        var destination = app.Services.GetRequiredService<IBackupDestination>().Description;
        var checkedAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        health.Record(new ProbeResult(false, checkedAt, destination, "probe-key",
            [$"Destination {destination}: writing the probe object failed (NotFound).", "Clock: this machine's clock is 480 s ahead of the store's."], 480));

        (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Ingeniera" })).EnsureSuccessStatusCode();
        var run = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
        var after = health.Last!;

        Assert.Equal(1, run.Objects);
        Assert.False(after.Ok);
        Assert.Equal(["Clock: this machine's clock is 480 s ahead of the store's."], after.Problems);
        Assert.StartsWith("backup run ", after.Source);
    }

    [Fact]
    public async Task ARestoreThatCannotReadItsSourceSaysWhyAndWhatToDoNotThatItFoundNothing()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        using var folder = new TempFolder();
        var env = new Dictionary<string, string> { ["AWS_ENDPOINT_URL_S3"] = moto.Endpoint.ToString(), ["AWS_ACCESS_KEY_ID"] = "test", ["AWS_SECRET_ACCESS_KEY"] = "test" };

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["restore", "--into", Path.Combine(folder.Path, "restored"), $"--Storage:Directory={folder.Sub("records")}", $"--Backup:Destination=s3://{S3Setup.NewBucket()}/records"], env);

        Assert.True(code == 1, stdout + stderr);
        Assert.Contains("NotFound", stdout);
        Assert.Contains("Create the bucket, or fix the bucket name in Backup:Destination.", stdout);
        Assert.DoesNotContain("No backed-up records found", stdout);
    }

    [Fact]
    public async Task ARestoreOfDaysThatHoldNothingSaysItWasTheDaysAskedFor()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Ingeniera" })).EnsureSuccessStatusCode();
        await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(app.Root.Path,
        [
            "restore", "--into", Path.Combine(app.Root.Path, "restored"), "--from", "2020-01-01", "--to", "2020-01-31",
            $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}",
        ]);

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"No backed-up records found in directory {app.BackupDirectory} for the days asked for.", stdout);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesHealthzsUnhealthyAnswer()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var document = await app.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        var responses = document.GetProperty("paths").GetProperty("/healthz").GetProperty("get").GetProperty("responses");
        Assert.True(responses.TryGetProperty("503", out var unhealthy), responses.GetRawText());
        Assert.True(unhealthy.TryGetProperty("content", out _), unhealthy.GetRawText());
    }

    [Fact]
    public async Task ASpoolThatCannotTakeARecordIsTold503InSentencesThatEachEndWithAFullStop()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        Directory.Delete(app.SpoolDirectory, recursive: true);

        var response = await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Ingeniera" });
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString()!;

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.EndsWith(". Nothing was stored; retry later.", detail);
    }

    /// <summary>Backup:Destination pointing at a file got "Could not find a part of the path", retried 4 times.</summary>
    [Fact]
    public async Task ADestinationThatIsAFileIsNamedAsSuchAndNotRetried()
    {
        using var root = new TempFolder();
        var file = Path.Combine(root.Path, "backup.log");
        File.WriteAllText(file, "not a folder");
        await using var app = await new RespaldoApplication([$"--Backup:Destination={file}", "--Backup:RetryBaseDelay=00:00:00.010"], null).StartAsync();
        (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Ingeniera" })).EnsureSuccessStatusCode();

        var run = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        Assert.Equal(1, run.Failed);
        Assert.Contains(run.FirstErrors, e => e.Contains($"{file} is a file, not a folder; set Backup:Destination to a folder.", StringComparison.Ordinal));
        Assert.DoesNotContain(run.ErrorsByKind.Keys, k => k.StartsWith("retried-", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(app.SpoolDirectory, "*.json"));
    }

    [Fact]
    public async Task AnUnknownRecordIs404SayingWhereItWasLookedForAndWhatToCheck()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var response = await app.Client.GetAsync($"/records/{Guid.CreateVersion7()}", Ct);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString()!;

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("is in the spool or the backup", detail);
        Assert.Contains("Check the id: it is the 'id' that POST /store_data/ answered", detail);
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (await read() is var value && done(value))
            {
                return value;
            }
            await Task.Delay(50, Ct);
        }
        throw new TimeoutException("The expected state never came.");
    }
}
