using System.Net;
using Respaldo.Spool;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// Faults injected at the system-call boundary of the real service process: strace attached to it fails chosen
/// <c>syncfs</c>, <c>write</c>, <c>rename</c> and <c>openat</c> calls while 16 clients post. Checked from the
/// clients' ledger and from the trace itself: every 201 is on disk complete and was sent only after a successful
/// sync, every refused request left no file, no record written before a failed sync returned is acknowledged, and
/// the service keeps serving.
/// </summary>
public sealed class SystemCallFaultTests
{
    private const int Clients = 16;
    private const int Injections = 12;
    private static readonly TimeSpan Load = TimeSpan.FromSeconds(4);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryRecordIsWrittenRenamedAndSyncedBeforeIts201IsSent()
    {
        // No fault: the order alone. RunAsync checks it for every acknowledged record; this asserts it ran on many.
        var run = await RunAsync(injection: null);
        var checkedRecords = run.Ledger.Ids.Count(id => run.Timeline[id]?.Created is not null);
        Assert.True(checkedRecords > Clients, $"only {checkedRecords} acknowledged records were seen in the trace");
        Assert.DoesNotContain(run.Timeline.Syncs, s => s.Failed);
        Assert.Equal(0, run.Ledger.Refused);
    }

    [Fact]
    public async Task AFailingSyncfsFailsEveryRecordWrittenBeforeItReturnedInAnyBatch()
    {
        var random = FaultSeed.Create(out var seed);
        var first = random.Next(3, 8);
        var step = random.Next(5, 10);
        // A failing sync that takes 30 ms, as a real one waiting on a failing disk does: meanwhile the writer writes
        // the next batch, whose pages such a sync may write back and lose.
        var run = await RunAsync($"inject=syncfs:error=EIO:delay_enter=30ms:when={first}..{first + step * (Injections - 1)}+{step}");

        var injected = run.Timeline.Syncs.Count(s => s.Injected);
        Assert.True(injected > 0, "no syncfs failed: the load was too short to reach the injections");
        // The case the rule exists for: a record whose file was being written while a sync failed, and that was
        // not in that sync's batch. Its own sync then succeeds; it must fail all the same.
        var acrossFailedSync = run.Timeline.WrittenAcrossAFailedSync().ToList();
        Assert.True(acrossFailedSync.Count > 0, $"no record was written across any of the {injected} failed syncs: the N/N+1 case was not exercised");
        foreach (var record in acrossFailedSync)
        {
            Assert.False(run.Ledger.Ids.Contains(record.Id), $"{record.Id} was written while a syncfs failed, in a later batch, and still acknowledged");
            Assert.False(File.Exists(Path.Combine(run.Spool, RecordId.FileName(record.Id))), $"{record.Id} was refused but its file is still there");
        }
        Assert.Equal([HttpStatusCode.ServiceUnavailable], run.Ledger.RefusedByStatus.Keys);

        run.Report(nameof(AFailingSyncfsFailsEveryRecordWrittenBeforeItReturnedInAnyBatch), seed, injected,
            $"syncfs EIO at {first}..+{step}: failed syncs {injected}, records written across a failed sync in a later batch {acrossFailedSync.Count}");
    }

    [Theory]
    [InlineData("write", "EIO")]
    [InlineData("write", "ENOSPC")]
    [InlineData("rename", "EIO")]
    [InlineData("openat", "ENOSPC")]
    [InlineData("openat", "EIO")]
    public async Task AFailingWriteRenameOrOpenOfARecordFileFailsThatRecordOnlyAndLeavesNoFile(string call, string errno)
    {
        var random = FaultSeed.Create(out var seed);
        var first = random.Next(5, 20);
        var step = random.Next(7, 15);
        // The rename family as a whole: glibc may implement a rename with any of them.
        var calls = call == "rename" ? "rename,renameat,renameat2" : call;
        var run = await RunAsync($"inject={calls}:error={errno}:when={first}..{first + step * (Injections - 1)}+{step}");

        var hit = run.Timeline.Records.Where(r => r.InjectedFault is not null).ToList();
        var injected = run.Trace.Calls.Count(c => c.Injected);
        Assert.True(hit.Count > 0, $"none of the {injected} injected {call} faults hit a record file");
        foreach (var record in hit)
        {
            Assert.False(run.Ledger.Ids.Contains(record.Id), $"{record.Id} was acknowledged although its {call} failed");
            Assert.False(File.Exists(Path.Combine(run.Spool, RecordId.FileName(record.Id))), $"{record.Id} failed but its file is there");
        }
        var expected = errno == "ENOSPC" ? HttpStatusCode.InsufficientStorage : HttpStatusCode.ServiceUnavailable;
        Assert.Equal([expected], run.Ledger.RefusedByStatus.Keys);
        Assert.Equal(hit.Count, run.Ledger.Refused);

        run.Report($"SystemCall({call}:{errno})", seed, injected,
            $"{call} {errno} at {first}..+{step}: injected {injected}, of which on record files {hit.Count}; answered {expected:D} {run.Ledger.Refused}");
    }

    private sealed record Run(Ledger Ledger, SystemCallTrace Trace, RecordTimeline Timeline, string Spool, LedgerCheck Check)
    {
        public void Report(string test, int seed, int injected, string detail) => FaultFigures.Report(test, seed, injected, Check,
            $"{detail}; posts {Ledger.SentCount}, acknowledged {Ledger.Acknowledged}, refused {Ledger.Refused}");
    }

    /// <summary>
    /// Serves, attaches strace with <paramref name="injection"/>, posts from 16 clients, detaches, then checks what
    /// every such test must hold and that the service keeps serving.
    /// </summary>
    private static async Task<Run> RunAsync(string? injection)
    {
        var strace = Strace.Find();
        Assert.SkipWhen(strace is null, "strace is not installed (test.sh installs Debian's strace)");
        using var root = new TempFolder();
        var spool = Path.Combine(root.Path, "records");
        string[] settings =
        [
            $"--Storage:Directory={spool}", $"--Backup:Destination={Path.Combine(root.Path, "backup")}", "--Backup:Schedule=off",
            "--Security:RateLimit:PermitsPerSecond=0", "--Logging:LogLevel:Default=Critical",
        ];
        await using var server = await RespaldoProcess.ServeAsync(root.Path, settings, Ct);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients })
        {
            BaseAddress = server.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var ledger = new Ledger();
        var seq = 0;
        SystemCallTrace trace;
        await using (var tracer = await Strace.AttachAsync(strace!, server.Id, Path.Combine(root.Path, "trace"), injection is null ? [] : [injection]))
        {
            using var stop = new CancellationTokenSource(Load);
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await ledger.PostAsync(http, Interlocked.Increment(ref seq), Ct);
                }
            })));
            trace = await tracer.DetachAsync();
        }
        var duringTrace = ledger.Ids.ToList();
        Assert.Equal(0, ledger.Unanswered);
        Assert.True(duringTrace.Count > Clients, $"only {duringTrace.Count} records were acknowledged under the trace");

        // Still serving, with nothing left over from the faults.
        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(await ledger.PostAsync(http, Interlocked.Increment(ref seq), Ct));
        }
        Assert.Empty(Directory.GetFiles(spool, "*" + SpoolFolder.TempExtension));
        var check = ledger.Check(spool, DestinationContents.None);
        check.AssertHolds("after the injected faults");
        Assert.Equal(0, check.UnacknowledgedPresent); // every refused request left no file

        var timeline = new RecordTimeline(trace, spool);
        var problems = duringTrace.SelectMany(timeline.ProblemsWithAcknowledged).ToList();
        Assert.True(problems.Count == 0, $"{problems.Count} acknowledged records break the write → rename → syncfs → 201 order or the sync error rule:\n  "
            + string.Join("\n  ", problems.Take(20)));
        return new Run(ledger, trace, timeline, spool, check);
    }
}
