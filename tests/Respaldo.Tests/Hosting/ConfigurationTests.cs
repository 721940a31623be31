using System.Diagnostics;
using System.Net;
using Respaldo.Commands;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Hosting;

/// <summary>A bad setting stops the program at start-up with a message naming the key; nothing is served.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("--Storage:RetryAfter=-5", "Storage:RetryAfter")]
    [InlineData("--Storage:RetryAfter=00:00:00", "Storage:RetryAfter")]
    [InlineData("--Storage:RetryAfter=soon", "Storage:RetryAfter")]
    [InlineData("--Storage:MaxBytes=-1", "Storage:MaxBytes")]
    [InlineData("--Storage:RescanInterval=0", "Storage:RescanInterval")]
    [InlineData("--Storage:Directory=", "Storage:Directory")]
    [InlineData("--Intake:MaxBodyBytes=1", "Intake:MaxBodyBytes")]
    [InlineData("--Intake:MaxBodyBytes=lots", "Intake:MaxBodyBytes")]
    [InlineData("--Intake:IdempotencyWindow=30.00:00:00", "Intake:IdempotencyWindow")]
    public async Task AnInvalidSettingStopsStartUpWithAMessageNamingTheKey(string setting, string key)
    {
        await using var app = new RespaldoApplication(setting);

        var error = await Assert.ThrowsAnyAsync<Exception>(app.StartAsync);

        var message = StartupErrors.Message(error);
        Assert.NotNull(message);
        Assert.Contains(key, message);
    }

    [Fact]
    public async Task AValidSettingOnTheCommandLineTakesEffect()
    {
        await using var app = await new RespaldoApplication("--Storage:RetryAfter=00:00:07").StartAsync();
        Directory.Delete(app.SpoolDirectory, recursive: true);
        await File.WriteAllTextAsync(app.SpoolDirectory, "a file where the spool folder was", Ct);

        var response = await PostAsync(app, Body());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheProgramExitsWithInvalidConfigAndNamesTheKeyOnStandardError(bool fromEnvironment)
    {
        using var folder = new TempFolder();
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "Respaldo"))
        {
            WorkingDirectory = folder.Path,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var arg in new[] { "--urls=http://127.0.0.1:0", $"--Storage:Directory={folder.Sub("records")}" })
        {
            start.ArgumentList.Add(arg);
        }
        if (fromEnvironment)
        {
            start.Environment["Intake__MaxBodyBytes"] = "1";
        }
        else
        {
            start.ArgumentList.Add("--Intake:MaxBodyBytes=1");
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(1)); // a guard against a program that starts serving, not a timing assertion
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        Assert.Equal(ExitCodes.InvalidConfig, process.ExitCode);
        Assert.Contains("Intake:MaxBodyBytes", await stderr);
        await stdout;
    }
}
