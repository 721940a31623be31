using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Respaldo.Commands;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Hosting;

/// <summary>How <c>serve</c> ends: a host stopped by a fault exits non-zero, so systemd's Restart=on-failure restarts it.</summary>
public sealed class ServeExitTests
{
    [Fact]
    public async Task ServeExitsWithOneWhenAFailingBackgroundServiceStoppedTheHost()
    {
        using var root = new TempFolder();
        string[] settings =
        [
            "--urls=http://127.0.0.1:0", $"--Storage:Directory={root.Sub("records")}", $"--Backup:Destination={root.Sub("backup")}",
            "--Backup:Schedule=off", "--Logging:LogLevel:Default=None",
        ];

        var code = await ServeCommand.RunAsync(settings, TestContext.Current.CancellationToken, services => services.AddHostedService<Failing>())
            .WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Failed, code);
    }

    /// <summary>A loop that does not follow the shared pattern: the fault the host must not hide behind exit code 0.</summary>
    private sealed class Failing(IHostApplicationLifetime lifetime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).ContinueWith(_ => { }, TaskScheduler.Default); // serving
            throw new InvalidOperationException("a loop that let its error escape");
        }
    }
}
