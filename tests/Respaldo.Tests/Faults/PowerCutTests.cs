using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Respaldo.Spool;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// Power loss, simulated: the spool on ext4 in a loop-mounted image, 16 clients posting, and at random instants the
/// service is frozen (SIGSTOP) while the image is copied, then continued. A copy holds exactly what had reached the
/// "disk" (the loop device's backing file) at that instant; unsynced pages and uncommitted journal transactions are
/// missing, as after a power cut. Each copy is then mounted (the kernel replays the journal), checked to hold every
/// record acknowledged before the copy began, complete and byte-identical, started on by the service (whose
/// start-up must set aside only unacknowledged debris), and finally checked by e2fsck.
/// </summary>
public sealed class PowerCutTests
{
    private const int Clients = 16;
    private const int Cuts = 4;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACopyOfTheSpoolDiskTakenAtAnyInstantHoldsEveryRecordAcknowledgedBeforeIt()
    {
        var unavailable = LoopDisk.Unavailable();
        Assert.SkipWhen(unavailable is not null, $"no loop-mounted ext4: {unavailable}");
        var random = FaultSeed.Create(out var seed);
        using var work = new TempFolder();
        var cuts = new List<(string Image, Ledger Acknowledged)>();
        var ledger = new Ledger();

        await using (var disk = await LoopDisk.CreateAsync(megabytes: 160))
        {
            var spool = Path.Combine(disk.Path, "records");
            await using var server = await RespaldoProcess.ServeAsync(work.Path, Settings(spool), Ct);
            using var http = Client(server);
            using var stop = new CancellationTokenSource();
            var seq = 0;
            var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await ledger.PostAsync(http, Interlocked.Increment(ref seq), CancellationToken.None);
                }
            })).ToArray();

            for (var cut = 0; cut < Cuts; cut++)
            {
                await Task.Delay(random.Next(150, 900), Ct);
                await SignalAsync(server.Id, "STOP");
                // Every 201 a client has now was sent before the freeze, so its sync had returned before the copy.
                var acknowledged = ledger.Snapshot();
                var image = Path.Combine(work.Path, $"cut-{cut}.img");
                await disk.CopyImageAsync(image);
                await SignalAsync(server.Id, "CONT");
                cuts.Add((image, acknowledged));
            }
            stop.Cancel();
            await Task.WhenAll(clients);
            Assert.Equal(0, ledger.Unanswered);
        }

        // The copies are independent disks: check them two at a time (most of the time is the service's start-up;
        // more at once only makes each start-up slower on a busy machine).
        using var gate = new SemaphoreSlim(2);
        var results = await Task.WhenAll(cuts.Select(async c =>
        {
            await gate.WaitAsync(Ct);
            try
            {
                return await CheckCopyAsync(c.Image, c.Acknowledged, work.Path);
            }
            finally
            {
                gate.Release();
            }
        }));
        var checks = results.Select(r => r.Check).ToList();
        var checkedRecords = cuts.Sum(c => c.Acknowledged.Acknowledged);
        var debrisQuarantined = results.Sum(r => r.Quarantined);
        var unacknowledgedKept = results.Sum(r => r.UnacknowledgedKept);
        Assert.True(cuts[^1].Acknowledged.Acknowledged > Clients, "the load never got going before the last cut");

        var total = new LedgerCheck(checkedRecords, checks.Sum(c => c.Lost), checks.Sum(c => c.Duplicated), checks.Sum(c => c.Partial),
            checks.Sum(c => c.Corrupt), checks.Sum(c => c.InSpool), 0, 0, checks.Sum(c => c.UnacknowledgedPresent), checks.SelectMany(c => c.Problems).ToList());
        FaultFigures.Report(nameof(ACopyOfTheSpoolDiskTakenAtAnyInstantHoldsEveryRecordAcknowledgedBeforeIt), seed, cuts.Count, total,
            $"power cuts simulated {cuts.Count}, acknowledged records checked on the copies {checkedRecords}, unacknowledged debris set aside {debrisQuarantined}, " +
            $"unacknowledged complete records kept {unacknowledgedKept}, posts {ledger.SentCount}");
    }

    /// <summary>Mounts a copy, checks it before and after the service's start-up on it, then runs e2fsck on it.</summary>
    private static async Task<(LedgerCheck Check, int Quarantined, int UnacknowledgedKept)> CheckCopyAsync(string image, Ledger acknowledged, string work)
    {
        await using var copy = await LoopDisk.MountCopyAsync(image);
        var spool = Path.Combine(copy.Path, "records");
        var when = $"on {Path.GetFileName(image)} ({acknowledged.Acknowledged} acknowledged before it)";
        // Before anything runs on it: every acknowledged record is there, complete, byte-identical.
        foreach (var id in acknowledged.Ids)
        {
            var path = Path.Combine(spool, RecordId.FileName(id));
            Assert.True(File.Exists(path), $"{id} was acknowledged before the cut but is missing {when}");
            Assert.Equal(acknowledged.ExpectedBytes(id), File.ReadAllBytes(path));
        }
        var before = Directory.GetFiles(spool, "*" + RecordId.Extension).Select(Path.GetFileName).ToHashSet();

        await using (var server = await RespaldoProcess.ServeAsync(work, Settings(spool), Ct))
        {
            using var http = Client(server);
            var status = JsonDocument.Parse(await http.GetStringAsync("/status", Ct)).RootElement;
            var pending = status.GetProperty("pending").GetProperty("files").GetInt32();
            Assert.Equal(Directory.GetFiles(spool, "*" + RecordId.Extension).Length, pending);
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/store_data/", Json(Ledger.NewRecord(0).Body), Ct)).StatusCode);
            await server.KillAsync();
        }

        var quarantine = Path.Combine(spool, ".respaldo", "quarantine");
        var ackedIds = acknowledged.Ids.ToHashSet();
        var setAside = Directory.Exists(quarantine) ? Directory.GetFiles(quarantine).Select(Path.GetFileName).ToList() : [];
        foreach (var name in setAside)
        {
            Assert.True(!RecordId.TryParseFileName(name!, out var id) || !ackedIds.Contains(id), $"start-up set aside {name}, an acknowledged record, {when}");
        }
        Assert.Empty(Directory.GetFiles(spool, "*" + SpoolFolder.TempExtension));
        var check = acknowledged.Check(spool, DestinationContents.None);
        check.AssertHolds("after start-up " + when); // nothing partial is left visible as a record
        var kept = before.Count(n => RecordId.TryParseFileName(n!, out var id) && !ackedIds.Contains(id) && !setAside.Contains(n));

        var (fsck, output) = await copy.UnmountAndCheckAsync();
        Assert.True(fsck == 0, $"e2fsck found problems {when} after journal replay:\n{output}");
        return (check, setAside.Count, kept);
    }

    private static string[] Settings(string spool) =>
    [
        $"--Storage:Directory={spool}", $"--Backup:Destination={Path.Combine(Path.GetDirectoryName(spool)!, "backup")}", "--Backup:Schedule=off",
        "--Security:RateLimit:PermitsPerSecond=0", "--Logging:LogLevel:Default=Warning",
    ];

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        return content;
    }

    private static HttpClient Client(RespaldoProcess server) => new(new SocketsHttpHandler { MaxConnectionsPerServer = Clients })
    {
        BaseAddress = server.BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString()]);
        await kill.WaitForExitAsync(Ct);
        Assert.Equal(0, kill.ExitCode);
    }
}
