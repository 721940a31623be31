using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// A directory destination that fills up (a real tmpfs), turns read-only (EROFS) or is blocked by a file: the run
/// keeps every file it could not place, reports DestinationIo, leaves nothing partial there, and the next run
/// after the disk recovers takes everything.
/// </summary>
public sealed class DestinationFullTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ADestinationThatIsFullOrReadOnlyKeepsEveryFileAndTheNextRunSucceeds()
    {
        FaultSeed.Create(out var seed);
        await using var disk = await Tmpfs.TryMountAsync("1m");
        Assert.SkipWhen(disk is null, "mounting a tmpfs is not permitted here");
        var destination = Path.Combine(disk!.Path, "backup");
        await using var app = await new RespaldoApplication($"--Backup:Destination={destination}", "--Backup:MaxAttempts=2", "--Backup:RetryBaseDelay=00:00:00.010").StartAsync();
        var runner = app.Services.GetRequiredService<BackupRunner>();
        var ledger = new Ledger();
        var faults = 0;
        var runs = new List<string>();

        async Task<RunSummary> RunAsync(string when, bool expectFailures)
        {
            var summary = await runner.RunAsync("test", ct: Ct);
            runs.Add($"{when}: {summary.ToText()}");
            if (expectFailures)
            {
                Assert.True(summary.Failed > 0 && summary.ErrorsByKind.GetValueOrDefault("DestinationIo") == summary.Failed, summary.ToText());
            }
            else
            {
                Assert.True(summary.Failed == 0, summary.ToText());
            }
            ledger.Check(app.SpoolDirectory, DestinationContents.FromDirectory(destination), settled: !expectFailures).AssertHolds(when);
            return summary;
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(await ledger.PostAsync(app.Client, i, Ct));
        }
        await RunAsync("first run", expectFailures: false);

        // Full: the first objects may still fit, the rest must stay spooled.
        for (var i = 0; i < 30; i++)
        {
            Assert.NotNull(await ledger.PostAsync(app.Client, i, Ct));
        }
        var filler = disk.Fill();
        faults++; // the destination's disk reported ENOSPC
        await RunAsync("destination full", expectFailures: true);
        File.Delete(filler);
        await RunAsync("space returned", expectFailures: false);

        // Read-only (EROFS): nothing can be placed.
        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(await ledger.PostAsync(app.Client, i, Ct));
        }
        await disk.RemountAsync(readOnly: true);
        faults++;
        var readOnly = await RunAsync("destination read-only", expectFailures: true);
        Assert.Equal(10, readOnly.Failed);
        Assert.Contains(readOnly.FirstErrors, e => e.Contains("Read-only", StringComparison.OrdinalIgnoreCase));
        await disk.RemountAsync(readOnly: false);
        await RunAsync("writable again", expectFailures: false);

        // Blocked: a file where the destination folder should be.
        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(await ledger.PostAsync(app.Client, i, Ct));
        }
        var aside = destination + ".aside";
        Directory.Move(destination, aside);
        await File.WriteAllTextAsync(destination, "not a folder", Ct);
        faults++;
        var blocked = await runner.RunAsync("test", ct: Ct);
        runs.Add($"destination blocked: {blocked.ToText()}");
        Assert.True((blocked.Failed, blocked.ErrorsByKind.GetValueOrDefault("DestinationIo")) == (10, 10), blocked.ToText());
        Assert.Equal(10, Directory.GetFiles(app.SpoolDirectory, "*.json").Length);
        File.Delete(destination);
        Directory.Move(aside, destination);
        await RunAsync("unblocked", expectFailures: false);

        Assert.Empty(Directory.GetFiles(app.SpoolDirectory, "*.json"));
        var check = ledger.Check(app.SpoolDirectory, DestinationContents.FromDirectory(destination));
        FaultFigures.Report("DestinationFullReadOnlyBlocked", seed, faults, check, string.Join(" | ", runs));
    }
}
