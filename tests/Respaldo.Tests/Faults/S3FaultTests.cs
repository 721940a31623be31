using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// S3 misbehaving, injected by a proxy in front of moto: error answers, resets, stalls past the request timeout,
/// a reset after the object landed, and a 200 for an object stored with other bytes. Intermittent faults are retried
/// until every file is verified; permanent ones fail the files and keep every one of them spooled.
/// </summary>
public sealed class S3FaultTests
{
    private const int Files = 40;
    private const int PermanentFiles = 12;
    private const int ChaosFiles = 60;
    private const int ChaosMaxRuns = 12;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StallFor = TimeSpan.FromSeconds(5);

    public static TheoryData<string, string?, int, string> Intermittent => new()
    {
        // fault, the kind the run counts when it retries, most faults per file (fewer than MaxAttempts = 5), Backup:Verify
        { "InternalError", "retried-ServerError", 4, "Auto" },
        { "SlowDown", "retried-Throttled", 4, "Auto" },
        { "Stall", "retried-Timeout", 2, "Auto" },
        { "CorruptBody", "retried-Verification", 4, "Auto" },
        // With a HEAD the stored SHA-256 is only what the client announced where the store does not validate it (moto):
        // the ETag must be checked as well.
        { "CorruptBody", "retried-Verification", 4, "Head" },
        { "Reset", null, 4, "Auto" }, // the SDK itself retries a reset connection (MaxStaleConnectionRetries), unseen by the run
        { "ForwardThenReset", null, 4, "Auto" },
    };

    public static TheoryData<string, string> Permanent => new()
    {
        { "InternalError", "ServerError" },
        { "SlowDown", "Throttled" },
        { "Stall", "Timeout" },
        { "CorruptBody", "Verification" },
        { "Reset", "Network" },
        { "ForwardThenReset", "Network" },
    };

    private static Fault Make(string name) => name switch
    {
        "InternalError" => Fault.InternalError,
        "SlowDown" => Fault.SlowDown,
        "Stall" => Fault.Stall(StallFor),
        "CorruptBody" => Fault.CorruptBody,
        "Reset" => Fault.Reset,
        "ForwardThenReset" => Fault.ForwardThenReset,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>A short request timeout where stalls are injected; elsewhere the default, so a busy machine adds no timeouts.</summary>
    private static string TimeoutFor(string fault) => $"--Backup:RequestTimeout={(fault == "Stall" ? Timeout : TimeSpan.FromSeconds(30))}";

    private static long Injected(FaultProxy proxy) => Enum.GetValues<FaultKind>().Sum(k => (long)proxy.Injected(k));

    [Theory]
    [MemberData(nameof(Intermittent))]
    public async Task AnIntermittentFaultIsRetriedUntilEveryFileIsVerified(string fault, string? retriedKind, int maxPerFile, string verify)
    {
        var random = FaultSeed.Create(out var seed);
        await using var s = await S3Scenario.StartAsync(Files, "--Backup:MaxAttempts=5", $"--Backup:Verify={verify}", TimeoutFor(fault));
        var remaining = new Dictionary<string, int>();
        var planned = 0;
        s.Proxy.Rule = request =>
        {
            if (request.Method != "PUT")
            {
                return Fault.None;
            }
            lock (remaining)
            {
                if (!remaining.TryGetValue(request.Path, out var left))
                {
                    left = random.Next(0, maxPerFile + 1);
                    planned += left;
                }
                remaining[request.Path] = left - 1;
                return left > 0 ? Make(fault) : Fault.None;
            }
        };

        var summary = await s.RunAsync();

        var check = await s.CheckAsync($"after intermittent {fault} (Verify={verify})", settled: true);
        var injected = Injected(s.Proxy);
        Assert.True((summary.Uploaded, summary.Failed, summary.Outcome) == (Files, 0, RunOutcome.Succeeded), summary.ToText());
        Assert.Equal(planned, injected);
        Assert.True(injected >= Files / 2, $"only {injected} faults were injected");
        if (retriedKind is not null)
        {
            var retried = summary.ErrorsByKind.GetValueOrDefault(retriedKind);
            // Error answers and corrupted bodies are counted exactly. Stalls are not: the SDK may itself resend a
            // request whose connection it lost, and a loaded machine may add a timeout of its own.
            Assert.True(fault == "Stall" ? retried > 0 : retried == injected, $"{retriedKind} {retried}, injected {injected}: {summary.ToText()}");
        }
        Assert.Empty(s.SpooledFiles());
        Assert.Equal(Files, check.InDestination);
        FaultFigures.Report($"Intermittent{fault}(Verify={verify})", seed, injected, check, summary.ToText());
    }

    [Theory]
    [MemberData(nameof(Permanent))]
    public async Task APermanentFaultFailsEveryFileKeepsThemAllAndTheNextRunSucceeds(string fault, string expectedKind)
    {
        var random = FaultSeed.Create(out var seed);
        await using var s = await S3Scenario.StartAsync(PermanentFiles, "--Backup:MaxAttempts=2", TimeoutFor(fault));
        s.Proxy.Rule = request => request.Method == "PUT" ? Make(fault) : Fault.None;

        var failed = await s.RunAsync();

        var injected = Injected(s.Proxy);
        Assert.True((failed.Uploaded, failed.Failed, failed.Outcome) == (0, PermanentFiles, RunOutcome.Failed), failed.ToText());
        Assert.True(failed.ErrorsByKind.GetValueOrDefault(expectedKind) == PermanentFiles, failed.ToText());
        Assert.Equal(PermanentFiles, failed.ErrorsByKind.GetValueOrDefault("retried-" + expectedKind));
        Assert.NotEmpty(failed.FirstErrors);
        Assert.Equal(PermanentFiles, s.SpooledFiles().Length);
        await s.CheckAsync($"after a run against permanent {fault}", settled: false);

        // The fault goes away; more records arrive meanwhile; the next run takes everything.
        s.Proxy.Rule = _ => Fault.None;
        await s.PostAsync(random.Next(1, 5));
        var next = await s.RunAsync();

        Assert.True((next.Failed, next.Outcome) == (0, RunOutcome.Succeeded), next.ToText());
        Assert.Empty(s.SpooledFiles());
        var check = await s.CheckAsync($"after the fault {fault} was lifted", settled: true);
        FaultFigures.Report($"Permanent{fault}", seed, injected, check, $"{failed.ToText()} Then: {next.ToText()}");
    }

    [Fact]
    public async Task ADestinationThatKeepsResettingStopsTheRunEarlyAndKeepsEveryFile()
    {
        FaultSeed.Create(out var seed);
        await using var s = await S3Scenario.StartAsync(Files,
            "--Backup:MaxAttempts=2", "--Backup:Concurrency=4", "--Backup:AbortAfterConsecutiveFailures=8");
        s.Proxy.Rule = _ => Fault.Reset;

        var failed = await s.RunAsync();

        Assert.True((failed.Uploaded, failed.Failed, failed.Outcome) == (0, Files, RunOutcome.Failed), failed.ToText());
        Assert.True(failed.ErrorsByKind.GetValueOrDefault("Aborted") > 0, failed.ToText());
        Assert.True(failed.ErrorsByKind.GetValueOrDefault("Network") >= 8, failed.ToText());
        Assert.Contains(failed.FirstErrors, e => e.Contains("unreachable"));
        Assert.Equal(Files, s.SpooledFiles().Length);
        await s.CheckAsync("after an aborted run", settled: false);

        s.Proxy.Rule = _ => Fault.None;
        var next = await s.RunAsync();
        Assert.True((next.Uploaded, next.Outcome) == (Files, RunOutcome.Succeeded), next.ToText());
        var check = await s.CheckAsync("after the destination came back", settled: true);
        FaultFigures.Report("ResetsAbortTheRun", seed, Injected(s.Proxy), check, $"{failed.ToText()} Then: {next.ToText()}");
    }

    [Fact]
    public async Task RandomFaultsOnEveryKindOfRequestNeverLoseOrDuplicateARecord()
    {
        var random = FaultSeed.Create(out var seed);
        Fault[] faults = [Fault.InternalError, Fault.SlowDown, Fault.Reset, Fault.Stall(StallFor), Fault.CorruptBody, Fault.ForwardThenReset];
        // Verify=Head puts a HEAD after every PUT, so faults also hit the verification, not only the upload.
        await using var s = await S3Scenario.StartAsync(ChaosFiles,
            "--Backup:MaxAttempts=3", "--Backup:Verify=Head", $"--Backup:RequestTimeout={Timeout}", "--Backup:AbortAfterConsecutiveFailures=1000");
        s.Proxy.Rule = _ =>
        {
            lock (random)
            {
                var fault = faults[random.Next(faults.Length)];
                return random.NextDouble() >= 0.3 || fault.Kind == FaultKind.Stall && random.NextDouble() >= 0.2 ? Fault.None : fault;
            }
        };

        var runs = new List<string>();
        for (var run = 0; s.SpooledFiles().Length > 0; run++)
        {
            Assert.True(run < ChaosMaxRuns, $"still {s.SpooledFiles().Length} files after {run} runs: {string.Join(" | ", runs)}");
            var summary = await s.RunAsync();
            runs.Add(summary.ToText());
            await s.CheckAsync($"after chaos run {run + 1}", settled: false);
            if (run % 2 == 1)
            {
                await s.PostAsync(5); // intake continues between runs
            }
        }

        var check = await s.CheckAsync("after the chaos runs completed", settled: true);
        FaultFigures.Report("RandomFaultsOnAllRequests", seed, Injected(s.Proxy), check, $"{runs.Count} runs: {string.Join(" | ", runs)}");
    }
}
