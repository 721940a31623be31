using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Respaldo.Hosting;
using Respaldo.Spool;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Spool;

/// <summary>The in-memory backlog stays exactly the folder's contents while records come and go during rescans.</summary>
public sealed class SpoolIndexTests
{
    [Fact]
    public async Task RescansRacingWritesAndDeletesNeverLoseANewFileNorKeepADeletedOne()
    {
        using var root = new TempFolder();
        using var host = RespaldoHost.BuildCommandHost([$"--Storage:Directory={root.Sub("records")}"]);
        var spool = host.Services.GetRequiredService<RecordSpool>();
        var index = host.Services.GetRequiredService<SpoolIndex>();
        var ct = TestContext.Current.CancellationToken;
        // A large folder makes each rescan's listing take a while, so that changes land while it lists.
        await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => spool.WriteAsync($"Persona {i}", i % 100, "Oficio")));
        var random = new Random(7);

        for (var round = 0; round < 60; round++)
        {
            var victim = spool.ListPending()[random.Next(1000)];
            var pause = random.Next(20_000);
            // Rescan and, at a random instant during it, one delete and one write through the spool.
            var rescan = Task.Run(spool.Rescan, ct);
            var change = Task.Run(async () =>
            {
                Thread.SpinWait(pause);
                spool.Delete(victim);
                await spool.WriteAsync($"Nueva {round}", 40, "Oficio");
            }, ct);
            await Task.WhenAll(rescan, change);

            var folder = spool.ListPending();
            var backlog = index.Snapshot();
            Assert.True(folder.Count == backlog.Files, $"round {round}: the folder holds {folder.Count} records, the index counts {backlog.Files}");
            Assert.Equal(folder.Sum(f => f.Length), backlog.Bytes);
        }
    }
}
