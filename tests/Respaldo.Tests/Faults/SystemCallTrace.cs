using System.Text.RegularExpressions;

namespace Respaldo.Tests.Faults;

/// <summary>
/// One system call as <c>strace -f -y</c> printed it. <see cref="Entry"/> and <see cref="Exit"/> are line numbers in
/// the trace: strace prints events in the order it stops the threads, so comparing them orders calls of different
/// threads (a call that another thread's event interrupted is printed <c>&lt;unfinished ...&gt;</c> at its entry).
/// </summary>
internal sealed partial record SystemCall(int Thread, string Name, string Text, int Entry, int Exit)
{
    /// <summary>strace replaced this call's result (<c>-e inject=</c>): the kernel never ran it.</summary>
    public bool Injected => Text.Contains("(INJECTED)", StringComparison.Ordinal);

    public bool Failed => FailedResult().IsMatch(Text);

    /// <summary>strace pads a resumed call's result: <c>&lt;... syncfs resumed&gt;)             = -1 EIO</c>.</summary>
    [GeneratedRegex(@"\)\s+= -1 [A-Z]")]
    private static partial Regex FailedResult();
}

/// <summary>A parsed <c>strace -f -y -o FILE</c> output.</summary>
internal sealed partial class SystemCallTrace
{
    private SystemCallTrace(List<SystemCall> calls) => Calls = calls;

    public IReadOnlyList<SystemCall> Calls { get; }

    public static SystemCallTrace Read(string path)
    {
        var calls = new List<SystemCall>();
        var open = new Dictionary<int, (string Name, string Text, int Entry)>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (Resumed().Match(lines[i]) is { Success: true } r)
            {
                var thread = int.Parse(r.Groups[1].Value);
                if (open.Remove(thread, out var started))
                {
                    calls.Add(new SystemCall(thread, started.Name, started.Text + r.Groups[3].Value, started.Entry, i));
                }
            }
            else if (Unfinished().Match(lines[i]) is { Success: true } u)
            {
                open[int.Parse(u.Groups[1].Value)] = (u.Groups[2].Value, u.Groups[3].Value, i);
            }
            else if (Complete().Match(lines[i]) is { Success: true } c)
            {
                calls.Add(new SystemCall(int.Parse(c.Groups[1].Value), c.Groups[2].Value, c.Groups[3].Value, i, i));
            }
        }
        calls.Sort((a, b) => a.Entry.CompareTo(b.Entry));
        return new SystemCallTrace(calls);
    }

    public IEnumerable<SystemCall> Named(params string[] names) => Calls.Where(c => names.Contains(c.Name));

    [GeneratedRegex(@"^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$")]
    private static partial Regex Resumed();

    [GeneratedRegex(@"^(\d+)\s+(\w+)\((.*) <unfinished \.\.\.>$")]
    private static partial Regex Unfinished();

    [GeneratedRegex(@"^(\d+)\s+(\w+)\((.*)$")]
    private static partial Regex Complete();
}
