using System.CommandLine;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Respaldo.Commands;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Operations;

/// <summary>The verbs as a person at a terminal and as a script see them.</summary>
public sealed partial class CommandLineTests
{
    private static readonly object Valid = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };

    private static async Task<RespaldoApplication> SpoolAsync(int count)
    {
        var app = await new RespaldoApplication().StartAsync();
        for (var i = 0; i < count; i++)
        {
            (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        }
        await app.StopAsync();
        return app;
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("backup")]
    [InlineData("restore")]
    [InlineData("status")]
    public async Task EveryVerbsHelpExplainsEachOptionAndGivesAnExample(string verb)
    {
        using var folder = new TempFolder();
        Command command = verb switch
        {
            "serve" => ServeCommand.Create(),
            "backup" => BackupCommand.Create(),
            "restore" => RestoreCommand.Create(),
            _ => StatusCommand.Create(),
        };

        var (code, stdout, _) = await RespaldoCli.RunAsync(folder.Path, [verb, "--help"]);

        Assert.Equal(0, code);
        var help = Flat(stdout);
        Assert.Contains($"Example: respaldo {verb}", help);
        Assert.Contains("--Section:Key=value", help);
        foreach (var option in command.Options)
        {
            Assert.Contains(option.Name, help);
            Assert.Contains(Flat(option.Description!), help);
        }
    }

    [Fact]
    public async Task BackupAtATerminalShowsLiveProgressThenTheSummary()
    {
        await using var app = await SpoolAsync(3);

        var screen = await RunAtTerminalAsync(app.Root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}"]);

        Assert.Matches(@"Backing up .*100% 3/3 files, \d+ bytes .*files/s, .*done in", screen);
        Assert.Contains("3 uploaded, 0 failed", screen);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    public async Task OnANarrowTerminalTheProgressStaysOneLineThatFits(int columns)
    {
        await using var app = await SpoolAsync(3);

        var screen = await RunAtTerminalAsync(app.Root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}"], columns);

        // The finished line, whole: had it wrapped, "done in" would be on the next row.
        // The finished line may be redrawn a few times (its elapsed time still ticking); each must be the whole line.
        var finals = screen.Split('\n').Where(l => l.Contains("done in", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(finals);
        Assert.All(finals, final => Assert.Matches(@"^Backing up .*100% 3/3, \d+ bytes .*done in [\d.]+ s", final.Trim()));
        Assert.All(screen.Split('\n').Where(l => l.Contains("Backing up", StringComparison.Ordinal)), l => Assert.True(l.TrimEnd().Length <= columns, l));
    }

    [Fact]
    public async Task RestoreAtATerminalShowsLiveProgressThenTheSummary()
    {
        await using var app = await SpoolAsync(2);
        var (backedUp, _, _) = await RespaldoCli.RunAsync(app.Root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}"]);
        var into = Path.Combine(app.Root.Path, "restored");

        var screen = await RunAtTerminalAsync(app.Root.Path, ["restore", "--into", into, $"--Backup:Destination={app.BackupDirectory}"]);

        Assert.Equal(0, backedUp);
        Assert.Matches(@"Restoring .*2/2 files, \d+ bytes .*done in", screen);
        Assert.Contains("2 restored, 0 failed", screen);
        Assert.Equal(2, Directory.GetFiles(into, "*.json").Length);
    }

    [Fact]
    public async Task BackupRedirectedPrintsOnlyThePlainSummaryLine()
    {
        await using var app = await SpoolAsync(2);

        var (code, stdout, _) = await RespaldoCli.RunAsync(app.Root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}"]);

        Assert.Equal(0, code);
        var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^command run [0-9a-f]{12} to directory .*: Succeeded\. 2 uploaded, 0 failed, 0 skipped of 2 files, \d+ bytes in [\d.]+ s\.$", line.TrimEnd());
    }

    [Fact]
    public async Task StatusPrintsACompactTableOfTheBacklogDestinationAndRuns()
    {
        await using var app = await SpoolAsync(4);

        var (code, stdout, _) = await RespaldoCli.RunAsync(app.Root.Path,
            ["status", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}", "--Backup:Schedule=0 3 * * *", "--Backup:TimeZone=UTC"]);

        Assert.Equal(0, code);
        var rows = stdout.Split('\n').Where(l => l.Contains('│')).Select(l => Flat(l.Replace('│', ' '))).ToList();
        Assert.Contains(rows, r => r.StartsWith("Pending 4 files, ", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("Destination directory ", StringComparison.Ordinal) && r.Contains(Path.GetFileName(app.BackupDirectory)));
        // No service runs on this spool: the schedule is the command's own, said so, and nothing is scheduled.
        Assert.Contains(rows, r => r.StartsWith("Schedule 0 3 * * * (UTC), from this command's", StringComparison.Ordinal));
        Assert.Contains(rows, r => r == "Next run not scheduled");
        Assert.Contains(rows, r => r == "Last run none yet");
    }

    /// <summary>
    /// Runs the program on a pseudo-terminal (util-linux <c>script</c>) <paramref name="columns"/> wide (200 unless given) and returns what the
    /// terminal received, escape sequences removed and carriage returns as line breaks.
    /// </summary>
    private static async Task<string> RunAtTerminalAsync(string workingDirectory, string[] args, int columns = 200)
    {
        const string script = "/usr/bin/script";
        if (!File.Exists(script))
        {
            Assert.Fail($"{script} is missing: it gives the program a terminal. Install Debian's bsdutils (util-linux).");
        }
        var program = string.Join(' ', new[] { await NativeExecutable.GetAsync() }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var info = new ProcessStartInfo(script)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])["--quiet", "--return", "--command", $"stty cols {columns} rows 40; exec {program}", "/dev/null"])
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["TERM"] = "xterm-256color";
        var (code, stdout, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        Assert.True(code == 0, $"exit code {code}: {stdout}{stderr}");
        return Ansi().Replace(stdout, "").Replace('\r', '\n');
    }

    private static string Flat(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex Ansi();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
