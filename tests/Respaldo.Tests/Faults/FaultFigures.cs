using System.Globalization;
using Respaldo.Tests.Faults;

[assembly: AssemblyFixture(typeof(FaultFigures))]

namespace Respaldo.Tests.Faults;

/// <summary>
/// The suite's own figures. Each fault test reports its faults injected and its ledger's last check: the line goes to
/// the test's output and to <c>TestResults/fault-figures.tsv</c> beside the test binaries; when the run ends, a
/// TOTAL line is appended there and printed. The file starts afresh with every run of the test program.
/// </summary>
public sealed class FaultFigures : IDisposable
{
    private static readonly Lock Gate = new();
    private static long _faults, _acknowledged, _lost, _duplicated, _tests;

    public static string FilePath { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "fault-figures.tsv");

    public FaultFigures()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, "test\tseed\tfaults injected\tacknowledged\tlost\tduplicated\tdetail\n");
    }

    /// <summary>Records a test's figures and asserts that nothing acknowledged was lost or duplicated.</summary>
    internal static void Report(string test, int seed, long faultsInjected, LedgerCheck check, string detail = "")
    {
        detail = detail.ReplaceLineEndings(" ").Replace('\t', ' ');
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{test}\t{seed}\t{faultsInjected}\t{check.Acknowledged}\t{check.Lost}\t{check.Duplicated}\t{detail}");
        var text = $"[faults] {test}: seed {seed}, faults injected {faultsInjected}, acknowledged {check.Acknowledged}, " +
                   $"lost {check.Lost}, duplicated {check.Duplicated}. {check}. {detail}";
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        TestContext.Current.SendDiagnosticMessage(text);
        lock (Gate)
        {
            File.AppendAllText(FilePath, line + "\n");
            _tests++;
            _faults += faultsInjected;
            _acknowledged += check.Acknowledged;
            _lost += check.Lost;
            _duplicated += check.Duplicated;
        }
        Assert.Equal(0, check.Lost);
        Assert.Equal(0, check.Duplicated);
        check.AssertHolds("at the end of " + test);
    }

    public void Dispose()
    {
        lock (Gate)
        {
            if (_tests == 0)
            {
                return;
            }
            var total = string.Create(CultureInfo.InvariantCulture,
                $"TOTAL ({_tests} fault tests)\t-\t{_faults}\t{_acknowledged}\t{_lost}\t{_duplicated}\t");
            File.AppendAllText(FilePath, total + "\n");
            Console.WriteLine($"[faults] {total.Replace('\t', ' ')} -> faults injected {_faults}, acknowledged {_acknowledged}, lost {_lost}, duplicated {_duplicated}. Figures: {FilePath}");
        }
    }
}

/// <summary>
/// A seeded random source per test, printed so that a failure can be replayed: set RESPALDO_FAULT_SEED to the
/// printed number to repeat the same fault moments.
/// </summary>
internal static class FaultSeed
{
    public static Random Create(out int seed)
    {
        seed = int.TryParse(Environment.GetEnvironmentVariable("RESPALDO_FAULT_SEED"), CultureInfo.InvariantCulture, out var fixedSeed)
            ? fixedSeed
            : Random.Shared.Next(1, int.MaxValue);
        TestContext.Current.TestOutputHelper?.WriteLine($"[faults] seed {seed} (replay with RESPALDO_FAULT_SEED={seed})");
        return new Random(seed);
    }
}
