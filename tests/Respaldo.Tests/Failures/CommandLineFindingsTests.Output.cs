using System.Diagnostics;
using Respaldo.Commands;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>What the verbs print once they run: check's lines, a failed probe, a restore conflict, status's schedule.</summary>
public sealed partial class CommandLineFindingsTests
{
    // 8: check speaks in one style: "OK   Thing …" and "FAIL Thing …".
    [Fact]
    public async Task EveryCheckLineHasOneStyle()
    {
        using var folder = new TempFolder();
        var spool = folder.Sub("records");
        Directory.Delete(spool);
        await File.WriteAllTextAsync(spool, "not a folder", Ct);

        var (_, stdout, _) = await RespaldoCli.RunAsync(folder.Path, ["check", $"--Storage:Directory={spool}", $"--Backup:Destination={folder.Sub("backup")}"]);

        var lines = stdout.Trim().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("FAIL ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("OK   ", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Matches(@"^(OK   |FAIL )[A-Z].*\.$", l));
    }

    [Fact]
    public async Task AProbeThatFailsVerificationSaysNothingOfALocalFile()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var proxy = new FaultProxy(moto.Endpoint) { Rule = r => r.Method == "PUT" ? Fault.CorruptBody : Fault.None };
        using var folder = new TempFolder();

        var (code, stdout, _) = await RespaldoCli.RunAsync(folder.Path,
            ["check", $"--Storage:Directory={folder.Sub("records")}", $"--Backup:Destination=s3://{bucket}/records", "--Backup:MaxAttempts=1", "--Backup:PayloadMode=Plain"],
            new Dictionary<string, string>
            {
                ["AWS_ENDPOINT_URL"] = proxy.Endpoint.ToString(), ["AWS_ACCESS_KEY_ID"] = "test", ["AWS_SECRET_ACCESS_KEY"] = "test", ["AWS_DEFAULT_REGION"] = "us-east-1",
            });

        Assert.Equal(ExitCodes.Failed, code);
        var line = Assert.Single(stdout.Split('\n'), l => l.StartsWith("FAIL Destination", StringComparison.Ordinal));
        Assert.Contains("writing the probe object records/.respaldo-probe/", line);
        Assert.DoesNotContain("local file", line);
    }

    [Fact]
    public async Task ARestoreConflictNamesTheFileOnce()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Ingeniera" })).EnsureSuccessStatusCode();
        await app.StopAsync();
        var settings = new[] { $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}" };
        Assert.Equal(0, (await RespaldoCli.RunAsync(app.Root.Path, ["backup", .. settings])).ExitCode);
        var name = Path.GetFileName(Assert.Single(Directory.GetFiles(app.BackupDirectory, "*.json", SearchOption.AllDirectories)));
        var into = app.Root.Sub("restored");
        var existing = Path.Combine(into, name);
        await File.WriteAllTextAsync(existing, "{\"other\":true}", Ct);

        var (code, stdout, _) = await RespaldoCli.RunAsync(app.Root.Path, ["restore", "--into", into, .. settings]);

        Assert.Equal(ExitCodes.Failed, code);
        var line = Assert.Single(stdout.Split('\n'), l => l.Contains("Conflict:", StringComparison.Ordinal));
        Assert.Equal(1, line.Split(existing).Length - 1);
    }

    // 7: status showed the command's own schedule, which need not be the running service's.
    [Fact]
    public async Task StatusShowsTheRunningServicesScheduleAndSaysWhenNoServiceRuns()
    {
        using var folder = new TempFolder();
        var spool = $"--Storage:Directory={folder.Sub("records")}";
        var port = FreePort.Next();
        var info = new ProcessStartInfo(await NativeExecutable.GetAsync(),
            ["serve", $"--urls=http://127.0.0.1:{port}", spool, "--Backup:Schedule=0 3 * * *", "--Backup:TimeZone=Europe/Madrid", "--Backup:ProbeAtStart=false"])
        {
            WorkingDirectory = folder.Path, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var service = Process.Start(info)!;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitUntilAnsweringAsync(http);

            var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path, ["status", "--json", spool]);
            var (_, text, _) = await RespaldoCli.RunAsync(folder.Path, ["status", spool]);

            Assert.True(code == 0, stderr);
            var report = System.Text.Json.JsonDocument.Parse(stdout).RootElement;
            Assert.Equal("0 3 * * *", report.GetProperty("schedule").GetString());
            Assert.Equal("Europe/Madrid", report.GetProperty("timeZone").GetString());
            Assert.Equal("service", report.GetProperty("scheduleSource").GetString());
            Assert.Equal(3, TimeZoneInfo.ConvertTime(report.GetProperty("nextRun").GetDateTimeOffset(), TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid")).Hour);
            Assert.Contains("0 3 * * * (Europe/Madrid), the running service's", text);
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            await service.WaitForExitAsync(Ct);
        }

        var (_, after, _) = await RespaldoCli.RunAsync(folder.Path, ["status", "--json", spool]);
        var stopped = System.Text.Json.JsonDocument.Parse(after).RootElement;
        Assert.Equal("settings", stopped.GetProperty("scheduleSource").GetString());
        Assert.False(stopped.GetProperty("serviceRunning").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, stopped.GetProperty("nextRun").ValueKind);
    }

    private static async Task WaitUntilAnsweringAsync(HttpClient http)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                (await http.GetAsync("/healthz", Ct)).EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (attempt < 300)
            {
                await Task.Delay(100, Ct);
            }
        }
    }
}
