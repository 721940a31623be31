using System.Diagnostics;
using Respaldo.Tests.Deployment;

namespace Respaldo.Tests.Infrastructure;

/// <summary>
/// The Native AOT executable that deploy/publish.sh makes, which every process-level test runs, so what users
/// deploy is what is tested. Published once per test run: <c>./test.sh</c> publishes it before the tests and names
/// it in <c>RESPALDO_EXECUTABLE</c>; without that (a bare <c>dotnet test</c>), the first test that needs it runs
/// deploy/publish.sh into artifacts/published, which is incremental when nothing changed.
/// </summary>
internal static class NativeExecutable
{
    public const string Variable = "RESPALDO_EXECUTABLE";

    private static readonly Lazy<Task<string>> Published = new(PublishAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The executable's full path, publishing it first if this run has not yet.</summary>
    public static Task<string> GetAsync() => Published.Value;

    /// <summary>For synchronous callers; the publish itself runs once, outside any test's cancellation.</summary>
    public static string Path => GetAsync().GetAwaiter().GetResult();

    private static async Task<string> PublishAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : throw new InvalidOperationException($"{Variable}={given} does not exist.");
        }
        var output = System.IO.Path.Combine(RepoFiles.Root, "artifacts", "published");
        var info = new ProcessStartInfo("/bin/bash") { ArgumentList = { RepoFiles.Deploy("publish.sh"), output } };
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var (exitCode, stdout, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(20), CancellationToken.None);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"deploy/publish.sh failed with exit code {exitCode}:\n{stdout}\n{stderr}");
        }
        return System.IO.Path.Combine(output, "Respaldo");
    }
}
