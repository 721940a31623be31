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
        using var writing = new CancellationTokenSource();

        // Four writers and a deleter change the folder through the spool (which keeps the index), while a third
        // party rescans as fast as it can: each rescan's listing is older than the changes made while it ran.
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                await spool.WriteAsync($"Persona {w}-{i}", i % 100, "Oficio");
            }
        }, ct)).ToArray();
        var deleter = Task.Run(() =>
        {
            while (!writing.IsCancellationRequested)
            {
                foreach (var file in spool.ListPending().Where((_, n) => n % 3 == 0))
                {
                    spool.Delete(file);
                }
            }
        }, ct);
        var rescans = 0;
        var rescanner = Task.Run(() =>
        {
            while (!writing.IsCancellationRequested)
            {
                spool.Rescan();
                rescans++;
            }
        }, ct);
        await Task.WhenAll(writers);
        await writing.CancelAsync();
        await Task.WhenAll(deleter, rescanner);

        var folder = spool.ListPending();
        var backlog = index.Snapshot();
        Assert.True(rescans > 10, $"only {rescans} rescans overlapped the writes");
        Assert.Equal(folder.Count, backlog.Files);
        Assert.Equal(folder.Sum(f => f.Length), backlog.Bytes);
        Assert.Equal(folder.Count == 0 ? null : RecordId.Timestamp(folder[0].Id), backlog.Oldest);
    }
}
