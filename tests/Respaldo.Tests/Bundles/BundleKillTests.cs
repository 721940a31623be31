using Respaldo.Tests.Backup;
using Respaldo.Tests.Faults;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Bundles;

/// <summary>
/// Bundle runs of the real <c>backup</c> process, SIGKILLed at random moments (a random delay, the k-th request to the
/// store, the k-th verification HEAD — when a bundle has landed and none of its files is deleted yet), repeated with new
/// records in between, then a clean run: every acknowledged record is in exactly one bundle, byte-identical, none is
/// lost and nothing stays spooled. After every kill no record may be in two bundles.
/// </summary>
public sealed class BundleKillTests
{
    private const int Rounds = 6;
    private const int InitialRecords = 150;
    private const int RecordsPerRound = 40;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private enum KillMoment { Timer, AtRequest, AtVerification }

    [Fact]
    public async Task KillingBundleRunsAtRandomMomentsThenRunningAgainPutsEveryRecordInExactlyOneBundle()
    {
        var random = FaultSeed.Create(out var seed);
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var proxy = new FaultProxy(moto.Endpoint) { Latency = TimeSpan.FromMilliseconds(15) };
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        using var root = new TempFolder();
        var spool = Path.Combine(root.Path, "records");
        var manifests = Path.Combine(spool, ".respaldo", "bundles");
        var ledger = new Ledger();
        await PostAsync(root, ledger, InitialRecords);

        var kills = 0;
        var resumedAfterKill = 0;
        var moments = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            await PostAsync(root, ledger, RecordsPerRound);
            var moment = (KillMoment)(round % 3);
            var requestsBefore = proxy.Requests;
            var heads = 0;
            // Bundles of 15: a run makes one PUT per bundle (and one HEAD each with Verify=Head).
            var bundles = (Directory.GetFiles(spool, "*.json").Length + 14) / 15;
            var killAt = moment == KillMoment.Timer ? random.Next(200, 2500) : random.Next(1, Math.Max(2, bundles));
            RespaldoProcess? run = null;
            proxy.Rule = request =>
            {
                var hit = moment switch
                {
                    KillMoment.AtRequest => request.Number - requestsBefore == killAt,
                    KillMoment.AtVerification => request.Method == "HEAD" && Interlocked.Increment(ref heads) == killAt,
                    _ => false,
                };
                if (hit)
                {
                    run?.Kill();
                }
                return Fault.None;
            };
            run = RespaldoProcess.Start(root.Path, BackupArgs(spool, bucket, moment == KillMoment.AtVerification ? "Head" : "Auto"), Env(proxy));
            if (moment == KillMoment.Timer)
            {
                await Task.Delay(killAt, Ct);
                run.Kill();
            }
            var code = await run.WaitForExitAsync(TimeSpan.FromMinutes(1));
            proxy.Rule = _ => Fault.None;
            await run.DisposeAsync();
            if (code == 0)
            {
                moments.Add($"{moment}@{killAt}: finished before the kill");
                continue;
            }
            kills++;
            var left = Directory.Exists(manifests) ? Directory.GetFiles(manifests, "*.manifest.json").Length : 0;
            resumedAfterKill += left;
            var check = ledger.Check(spool, Bundles.Expand(await DestinationContents.FromS3Async(moto, bucket, Ct)), settled: false);
            check.AssertHolds($"after kill {kills} ({moment} at {killAt})");
            moments.Add($"{moment}@{killAt}: {check.InDestination} in bundles, {check.InBoth} also still spooled, {left} manifests left");
        }

        var final = RespaldoProcess.Start(root.Path, BackupArgs(spool, bucket, "Auto"), Env(proxy));
        await using (final)
        {
            Assert.True(await final.WaitForExitAsync(TimeSpan.FromMinutes(1)) == 0, final.Output);
        }
        Assert.Empty(Directory.GetFiles(spool, "*.json"));
        Assert.Empty(Directory.GetFiles(manifests));
        var objects = await DestinationContents.FromS3Async(moto, bucket, Ct);
        Assert.All(objects.Keys, k => Assert.EndsWith(Bundles.Extension, k));
        var settled = ledger.Check(spool, Bundles.Expand(objects));
        settled.AssertHolds("after the clean run");
        Assert.Equal(ledger.Acknowledged, settled.InDestination);
        Assert.True(kills >= Rounds / 2, $"only {kills} of {Rounds} runs were killed: {string.Join("; ", moments)}");
        Assert.True(resumedAfterKill > 0, $"no kill left a manifest to resume, so resumption went untested (seed {seed}): {string.Join("; ", moments)}");
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}; {kills} SIGKILLs; {resumedAfterKill} manifests resumed; {string.Join("; ", moments)}");
    }

    private static async Task PostAsync(TempFolder root, Ledger ledger, int count)
    {
        await using var intake = await new RespaldoApplication([], null, root).StartAsync();
        for (var i = 0; i < count; i++)
        {
            Assert.NotNull(await ledger.PostAsync(intake.Client, i, Ct));
        }
    }

    private static string[] BackupArgs(string spool, string bucket, string verify) =>
    [
        "backup", $"--Storage:Directory={spool}", $"--Backup:Destination=s3://{bucket}/records", "--Backup:Layout=Bundle",
        "--Backup:BundleMaxRecords=15", "--Backup:RetryBaseDelay=00:00:00.010", $"--Backup:Verify={verify}",
    ];

    private static Dictionary<string, string> Env(FaultProxy proxy) => new()
    {
        ["AWS_ENDPOINT_URL"] = proxy.Endpoint.ToString(),
        ["AWS_ACCESS_KEY_ID"] = "test",
        ["AWS_SECRET_ACCESS_KEY"] = "test",
        ["AWS_DEFAULT_REGION"] = "us-east-1",
    };
}
