using System.Diagnostics;
using Respaldo.Tests.Deployment;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Hosting;

/// <summary>
/// The OpenAPI document checked by a tool that shares nothing with the code that writes it: Redocly CLI (npm
/// <c>@redocly/cli</c>, pinned in tests/openapi-tools) validates its structure against the OpenAPI 3.1 schema and
/// lints it with the recommended rules (two switched off, with the reasons, in tests/openapi-tools/redocly.yaml).
/// </summary>
public sealed class OpenApiLintTests
{
    [Fact]
    public async Task TheOpenApiDocumentPassesRedoclysValidationAndRecommendedRules()
    {
        var tools = Path.Combine(RepoFiles.Root, "tests", "openapi-tools");
        var cli = Path.Combine(tools, "node_modules", "@redocly", "cli", "bin", "cli.js");
        if (!File.Exists(cli))
        {
            Assert.Fail($"{cli} is missing: run ./test.sh, which installs it (npm ci in tests/openapi-tools).");
        }
        await using var app = await new RespaldoApplication().StartAsync();
        using var folder = new TempFolder();
        var document = Path.Combine(folder.Path, "openapi.json");
        await File.WriteAllTextAsync(document, await app.Client.GetStringAsync("/openapi/v1.json", Ct), Ct);
        var info = new ProcessStartInfo("node") { WorkingDirectory = folder.Path };
        foreach (var arg in new[] { cli, "lint", document, "--config", Path.Combine(tools, "redocly.yaml"), "--format", "stylish" })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["REDOCLY_TELEMETRY"] = "off";
        info.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";

        var (code, stdout, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(2), Ct);

        Assert.True(code == 0, $"redocly lint found errors:\n{stdout}\n{stderr}");
    }
}
