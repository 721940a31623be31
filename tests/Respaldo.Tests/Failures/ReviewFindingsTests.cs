using System.Diagnostics;
using System.Text;
using Respaldo.Commands;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// Findings of an adversarial review (issue 10, "Fail well"), each checked on the published executable: a listen
/// setting that was accepted and ignored, secrets repeated in usage errors, and a `status` that could stop a service
/// from starting. (The fourth finding, install.sh and listen hosts, is in Deployment/InstallScriptTests.)
/// </summary>
public sealed class ReviewFindingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // 1: --http_ports was taken as a setting, and the default address overrode it: the service listened on 8000.
    // The cases also name port 0 with --urls, so that a regression never takes port 8000.
    [Theory]
    [InlineData("--http_ports", "http")]
    [InlineData("--https_ports", "https")]
    public async Task APortsOptionIsAUsageErrorSuggestingUrlsNotAnIgnoredSetting(string option, string scheme)
    {
        using var folder = new TempFolder();
        var port = FreePort.Next();

        var run = await RunAsync(folder.Path, ["serve", option, $"{port}", "--urls=http://127.0.0.1:0"]);

        Assert.True(run.Exited, "it started a server instead:\n" + run.Output);
        Assert.Equal(ExitCodes.InvalidConfig, run.Code);
        Assert.Equal($"Unknown option '{option}'. Did you mean '--urls {scheme}://127.0.0.1:{port}'? See 'respaldo serve --help'.", run.Output.Trim());
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "data")), "it created a spool folder");
    }

    [Theory]
    [InlineData("ASPNETCORE_HTTP_PORTS", "http_ports")]
    [InlineData("ASPNETCORE_HTTPS_PORTS", "https_ports")]
    public async Task APortsEnvironmentVariableIsRefusedInOneSentenceNotOverridden(string variable, string key)
    {
        using var folder = new TempFolder();

        var run = await RunAsync(folder.Path, ["serve", "--urls=http://127.0.0.1:0"], environment: new() { [variable] = $"{FreePort.Next()}" });

        Assert.True(run.Exited, "it started a server instead:\n" + run.Output);
        Assert.Equal(ExitCodes.InvalidConfig, run.Code);
        Assert.Equal($"{key} ({variable}) is not used by Respaldo; set where it listens with Urls or --urls instead, e.g. http://127.0.0.1:8000.", run.Output.Trim());
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "data")), "it created a spool folder");
    }

    private sealed record Run(bool Exited, int Code, string Output);

    /// <summary>
    /// Runs the published executable until it exits, or until <paramref name="until"/> appears (then kills it).
    /// </summary>
    private static async Task<Run> RunAsync(string workingDirectory, string[] args, string? until = null,
        Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(await NativeExecutable.GetAsync())
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        args.ToList().ForEach(info.ArgumentList.Add);
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                output.AppendLine(line);
            }
            if (until is not null && line.Contains(until, StringComparison.Ordinal))
            {
                seen.TrySetResult();
            }
        }
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exit = process.WaitForExitAsync(Ct);
        await Task.WhenAny(exit, seen.Task, Task.Delay(TimeSpan.FromSeconds(until is null ? 15 : 60), Ct));
        var exited = process.HasExited;
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync(Ct);
        lock (output)
        {
            return new(exited, exited ? process.ExitCode : -1, output.ToString());
        }
    }
}
