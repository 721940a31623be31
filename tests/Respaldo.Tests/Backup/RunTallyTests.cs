using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Operations;

namespace Respaldo.Tests.Backup;

public sealed class RunTallyTests
{
    [Fact]
    public void LocalFailuresNeverCountTowardsTheDestinationLookingUnreachable()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var tally = new RunTally(100, null, new RespaldoMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        for (var i = 0; i < 40; i++)
        {
            // e.g. forty unreadable files at the head of the spool
            tally.Fail([Guid.CreateVersion7()], new BackupException(ErrorKind.LocalIo, "Reading a file failed."));
        }

        var inARow = tally.Fail([Guid.CreateVersion7()], new BackupException(ErrorKind.Network, "Connection refused."), upload: true);

        Assert.Equal(1, inARow);
        Assert.Equal(41, tally.ToSummary("r", "test", "d", "Record", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch).Failed);
    }
}
