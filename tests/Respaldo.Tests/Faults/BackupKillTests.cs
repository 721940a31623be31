using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// The <c>backup</c> verb as its own process, SIGKILLed at random moments (while starting, while uploading, and
/// between an object landing and its local file being deleted), then run again until it completes: every record ends
/// up exactly once in the bucket, byte-identical, and the spool is empty.
/// </summary>
public sealed class BackupKillTests
{
    private const int Rounds = 6;
    private const int InitialRecords = 120;
    private const int RecordsPerRound = 25;
    private const int MaxTimerKillMs = 1500;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private enum KillMoment { Timer, AtRequest, AtVerification }

    [Fact]
    public async Task KillingABackupRunAtRandomMomentsThenRunningItAgainUploadsEveryRecordExactlyOnce()
    {
        var random = FaultSeed.Create(out var seed);
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var proxy = new FaultProxy(moto.Endpoint) { Latency = TimeSpan.FromMilliseconds(15) };
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        using var root = new TempFolder();
        var ledger = new Ledger();
        await using (var intake = await new RespaldoApplication([], null, root).StartAsync())
        {
            await PostAsync(intake, ledger, InitialRecords);
        }

        var kills = 0;
        var betweenUploadAndDelete = 0;
        var moments = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            await using (var intake = await new RespaldoApplication([], null, root).StartAsync())
            {
                await PostAsync(intake, ledger, RecordsPerRound);
                var spool = intake.SpoolDirectory;
                await intake.StopAsync();

                var moment = (KillMoment)(round % 3);
                var verify = moment == KillMoment.AtVerification ? "Head" : "Auto";
                var requestsBefore = proxy.Requests;
                var heads = 0;
                // Each spooled file costs one PUT (and, with Verify=Head, one HEAD): k below that count always lands.
                var spooled = Directory.GetFiles(spool, "*.json").Length;
                var killAt = moment == KillMoment.Timer ? random.Next(0, MaxTimerKillMs) : random.Next(1, spooled);
                RespaldoProcess? run = null;
                proxy.Rule = request =>
                {
                    // Killing from inside the proxy lands exactly at a request: at the k-th request (mid-upload), or at
                    // the k-th verification HEAD, when that object has landed and its file is not yet deleted.
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
                run = RespaldoProcess.Start(root.Path, BackupArgs(spool, bucket, $"--Backup:Verify={verify}"), Env(proxy));
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

                var check = ledger.Check(spool, await DestinationContents.FromS3Async(moto, bucket, Ct), settled: false);
                check.AssertHolds($"after kill {kills} ({moment} at {killAt})");
                betweenUploadAndDelete += check.InBoth;
                moments.Add($"{moment}@{killAt}: {check.InDestination} uploaded, {check.InBoth} uploaded but not yet deleted");
            }
        }

        var spoolDirectory = Path.Combine(root.Path, "records");
        var final = RespaldoProcess.Start(root.Path, BackupArgs(spoolDirectory, bucket), Env(proxy));
        await using (final)
        {
            Assert.True(await final.WaitForExitAsync(TimeSpan.FromMinutes(1)) == 0, final.Output);
        }
        Assert.Empty(Directory.GetFiles(spoolDirectory, "*.json"));
        var settled = ledger.Check(spoolDirectory, await DestinationContents.FromS3Async(moto, bucket, Ct));
        Assert.Equal(ledger.Acknowledged, settled.InDestination);
        Assert.True(kills >= Rounds * 2 / 3, $"only {kills} of {Rounds} runs were killed: {string.Join("; ", moments)}");
        FaultFigures.Report(nameof(KillingABackupRunAtRandomMomentsThenRunningItAgainUploadsEveryRecordExactlyOnce), seed, kills, settled,
            $"SIGKILLs {kills}; records found uploaded but still spooled after a kill {betweenUploadAndDelete}; rounds: {string.Join("; ", moments)}");
    }

    private static string[] BackupArgs(string spool, string bucket, params string[] more) =>
    [
        "backup", $"--Storage:Directory={spool}", $"--Backup:Destination=s3://{bucket}/records",
        "--Backup:RetryBaseDelay=00:00:00.010", "--Backup:Concurrency=8", .. more,
    ];

    private static Dictionary<string, string> Env(FaultProxy proxy) => new()
    {
        ["AWS_ENDPOINT_URL"] = proxy.Endpoint.ToString(),
        ["AWS_ACCESS_KEY_ID"] = "test",
        ["AWS_SECRET_ACCESS_KEY"] = "test",
        ["AWS_DEFAULT_REGION"] = "us-east-1",
    };

    private static async Task PostAsync(RespaldoApplication app, Ledger ledger, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.NotNull(await ledger.PostAsync(app.Client, i, Ct));
        }
    }
}
