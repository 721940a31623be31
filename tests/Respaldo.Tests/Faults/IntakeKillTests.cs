using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Respaldo.Spool;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// The service process SIGKILLed at random moments while 16 clients post records, then restarted on the same folder:
/// every acknowledged record is there, byte-identical and once; nothing partial is visible; crash debris is cleaned
/// up or set aside; the restarted service serves again.
/// </summary>
public sealed class IntakeKillTests
{
    private const int Rounds = 6;
    private const int Clients = 16;
    private const int MinKillMs = 150;
    private const int MaxKillMs = 1200;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KillingTheServiceUnderConcurrentLoadLosesNoAcknowledgedRecord()
    {
        var random = FaultSeed.Create(out var seed);
        using var root = new TempFolder();
        var spool = Path.Combine(root.Path, "records");
        string[] settings =
        [
            $"--Storage:Directory={spool}", $"--Backup:Destination={Path.Combine(root.Path, "backup")}", "--Backup:Schedule=off",
            "--Security:RateLimit:PermitsPerSecond=0", "--Logging:LogLevel:Default=Warning",
        ];
        var ledger = new Ledger();
        var kills = 0;
        var tempDebris = 0;
        var planted = new List<Guid>();
        var seq = 0;

        for (var round = 0; round < Rounds; round++)
        {
            await using var server = await RespaldoProcess.ServeAsync(root.Path, settings, Ct);
            if (round > 0)
            {
                await AssertRecoveredAsync(server, spool, ledger, planted, $"after kill {round}");
            }

            using var http = Client(server);
            using var stopLoad = new CancellationTokenSource();
            var acked = ledger.Acknowledged;
            var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                while (!stopLoad.IsCancellationRequested)
                {
                    if (await ledger.PostAsync(http, Interlocked.Increment(ref seq), CancellationToken.None) is null)
                    {
                        return; // killed: this client's request was in flight or refused
                    }
                }
            })).ToArray();

            // Wait for the load to flow, then kill at a random moment of it.
            await WaitUntilAsync(() => ledger.Acknowledged > acked + Clients, TimeSpan.FromSeconds(20));
            await Task.Delay(random.Next(MinKillMs, MaxKillMs), Ct);
            await server.KillAsync();
            kills++;
            stopLoad.Cancel();
            await Task.WhenAll(clients);

            tempDebris += Directory.GetFiles(spool, "*" + SpoolFolder.TempExtension).Length;
            if (round % 2 == 1)
            {
                // What a power loss (simulated for real in PowerCutTests) can leave: a rename that reached the disk before its
                // data. Start-up must set these aside, never count, serve or upload them.
                planted.Add(Plant(spool, ""));
                planted.Add(Plant(spool, """{"id":"0193"""));
                File.WriteAllText(Path.Combine(spool, SpoolFolder.TempName(Guid.CreateVersion7())), "{\"id\":");
            }
        }

        await using (var last = await RespaldoProcess.ServeAsync(root.Path, settings, Ct))
        {
            await AssertRecoveredAsync(last, spool, ledger, planted, "after the last kill");
            using var http = Client(last);
            Assert.NotNull(await ledger.PostAsync(http, ++seq, Ct));
        }

        var check = ledger.Check(spool, DestinationContents.None);
        FaultFigures.Report(nameof(KillingTheServiceUnderConcurrentLoadLosesNoAcknowledgedRecord), seed, kills, check,
            $"SIGKILLs {kills}, posts sent {ledger.SentCount}, in flight at a kill (unanswered) {ledger.Unanswered}, .tmp debris found {tempDebris}, planted debris quarantined {planted.Count}");
    }

    private static async Task AssertRecoveredAsync(RespaldoProcess server, string spool, Ledger ledger, List<Guid> planted, string when)
    {
        Assert.Empty(Directory.GetFiles(spool, "*" + SpoolFolder.TempExtension));
        var quarantine = Path.Combine(spool, ".respaldo", "quarantine");
        foreach (var id in planted)
        {
            Assert.False(File.Exists(Path.Combine(spool, RecordId.FileName(id))), $"{id} (crash debris) is still a record {when}");
            Assert.True(File.Exists(Path.Combine(quarantine, RecordId.FileName(id))), $"{id} (crash debris) was not set aside {when}");
        }
        ledger.Check(spool, DestinationContents.None).AssertHolds(when);

        using var http = Client(server);
        var status = JsonDocument.Parse(await http.GetStringAsync("/status", Ct)).RootElement;
        Assert.Equal(Directory.GetFiles(spool, "*.json").Length, status.GetProperty("pending").GetProperty("files").GetInt32());
        foreach (var id in planted)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/records/{id}", Ct)).StatusCode);
        }
        var sample = ledger.Ids.OrderBy(_ => Random.Shared.Next()).Take(5);
        foreach (var id in sample)
        {
            Assert.Equal(ledger.ExpectedBytes(id), await http.GetByteArrayAsync($"/records/{id}", Ct));
        }
    }

    private static Guid Plant(string spool, string content)
    {
        var id = Guid.CreateVersion7();
        File.WriteAllText(Path.Combine(spool, RecordId.FileName(id)), content);
        return id;
    }

    private static HttpClient Client(RespaldoProcess server) => new(new SocketsHttpHandler { MaxConnectionsPerServer = Clients })
    {
        BaseAddress = server.BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < limit, $"condition not met within {limit}");
            await Task.Delay(10, Ct);
        }
    }
}
