using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// moto behind a <see cref="FaultProxy"/>, and the real service (in process) backing up to it through the proxy,
/// with a <see cref="Ledger"/> of the records it acknowledged.
/// </summary>
internal sealed class S3Scenario : IAsyncDisposable
{
    private readonly bool _ownsServer;

    private S3Scenario(IS3Server server, bool ownsServer, FaultProxy proxy, string bucket)
    {
        Server = server;
        _ownsServer = ownsServer;
        Proxy = proxy;
        Bucket = bucket;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public IS3Server Server { get; }
    public FaultProxy Proxy { get; }
    public string Bucket { get; }
    public RespaldoApplication App { get; private set; } = null!;
    public Ledger Ledger { get; } = new();
    private int _seq;

    /// <summary>With a moto of its own, disposed with the scenario.</summary>
    public static async Task<S3Scenario> StartAsync(int records, params string[] settings) =>
        await StartAsync(await MotoServer.StartAsync(Ct), ownsServer: true, records, settings);

    /// <summary>In front of a server the caller owns.</summary>
    public static Task<S3Scenario> StartAsync(IS3Server server, int records, params string[] settings) =>
        StartAsync(server, ownsServer: false, records, settings);

    private static async Task<S3Scenario> StartAsync(IS3Server server, bool ownsServer, int records, string[] settings)
    {
        var bucket = S3Setup.NewBucket();
        var scenario = new S3Scenario(server, ownsServer, new FaultProxy(server.Endpoint), bucket);
        try
        {
            await server.CreateBucketAsync(bucket, Ct);
            scenario.App = await S3Setup.StartAsync(server, bucket, scenario.Proxy.Endpoint, settings);
            await scenario.PostAsync(records);
            return scenario;
        }
        catch
        {
            await scenario.DisposeAsync();
            throw;
        }
    }

    public async Task PostAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.NotNull(await Ledger.PostAsync(App.Client, Interlocked.Increment(ref _seq), Ct));
        }
    }

    public Task<RunSummary> RunAsync() => App.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

    public string[] SpooledFiles() => Directory.GetFiles(App.SpoolDirectory, "*.json");

    /// <summary>Checks the invariant against the spool and what the S3 server itself holds (read with the AWS CLI).</summary>
    public async Task<LedgerCheck> CheckAsync(string when, bool settled)
    {
        var check = Ledger.Check(App.SpoolDirectory, await DestinationContents.FromS3Async(Server, Bucket, Ct), settled);
        check.AssertHolds(when);
        return check;
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
        await Proxy.DisposeAsync();
        if (_ownsServer)
        {
            await Server.DisposeAsync();
        }
    }
}
