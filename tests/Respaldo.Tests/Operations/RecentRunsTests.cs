using System.Net.Http.Json;
using System.Text.Json;
using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Aftermath;

namespace Respaldo.Tests.Operations;

/// <summary>The bounded list of recent runs behind the status page's chart, kept beside the spool.</summary>
public sealed class RecentRunsTests
{
    private static readonly object Valid = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };

    private static RunSummary Run(int n) => new()
    {
        RunId = $"run{n:D9}",
        Trigger = "test",
        Destination = "nowhere",
        StartedAt = DateTimeOffset.UnixEpoch.AddHours(n),
    };

    [Fact]
    public void OnlyTheLastTwentyRunsAreKeptOldestFirst()
    {
        var state = new StateFile();

        for (var n = 1; n <= 25; n++)
        {
            state = state.WithRun(Run(n));
        }

        Assert.Equal(Enumerable.Range(6, 20).Select(n => Run(n).RunId), state.RecentRuns.Select(r => r.RunId));
        Assert.Equal(Run(25).RunId, state.LastRun?.RunId);
    }

    [Fact]
    public async Task StatusListsEachRunInOrderAndKeepsLastRunAsTheNewest()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var runIds = new List<string>();
        for (var i = 1; i <= 2; i++)
        {
            (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
            using var backup = await app.Client.PostAsync("/backup", null, Bounded());
            runIds.Add((await backup.Content.ReadFromJsonAsync<JsonElement>(Bounded())).GetProperty("runId").GetString()!);
        }

        var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Bounded());

        var recent = status.GetProperty("recentRuns").EnumerateArray().ToList();
        Assert.Equal(runIds, recent.Select(r => r.GetProperty("runId").GetString()));
        Assert.All(recent, r => Assert.Equal(1, r.GetProperty("uploaded").GetInt32()));
        Assert.Equal(runIds[^1], status.GetProperty("lastRun").GetProperty("runId").GetString());
    }

    [Fact]
    public async Task AStateFileFromBeforeRecentRunsWereKeptShowsItsLastRunInTheList()
    {
        using var root = new TempFolder();
        var stateFolder = Directory.CreateDirectory(Path.Combine(root.Path, "records", ".respaldo")).FullName;
        File.WriteAllText(Path.Combine(stateFolder, "state.json"), """
            {
              "firstSeenAt": "2026-01-01T00:00:00+00:00",
              "lastRun": { "runId": "0123456789ab", "trigger": "schedule", "destination": "directory /old", "startedAt": "2026-01-02T00:00:00+00:00",
                           "finishedAt": "2026-01-02T00:00:01+00:00", "outcome": "Succeeded", "files": 7, "uploaded": 7, "failed": 0, "skipped": 0, "bytes": 900 }
            }
            """);
        await using var app = await new RespaldoApplication([], null, root).StartAsync();

        var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Bounded());
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        using var backup = await app.Client.PostAsync("/backup", null, Bounded());
        var after = await app.Client.GetFromJsonAsync<JsonElement>("/status", Bounded());

        var recent = Assert.Single(status.GetProperty("recentRuns").EnumerateArray());
        Assert.Equal("0123456789ab", recent.GetProperty("runId").GetString());
        Assert.Equal(7, recent.GetProperty("uploaded").GetInt32());
        Assert.Equal(2, after.GetProperty("recentRuns").GetArrayLength());
    }
}
