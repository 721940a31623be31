using Microsoft.Playwright;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Respaldo.Tests.Operations;

/// <summary>What the status page tells a person when the destination fails: a banner from the start-up probe, and why each run failed and where it went.</summary>
public sealed class StatusPageWarningTests
{
    private static readonly LocatorAssertionsToHaveTextOptions Eventually = new() { Timeout = 20_000 };
    private static readonly LocatorAssertionsToContainTextOptions EventuallyContains = new() { Timeout = 20_000 };

    [Fact]
    public async Task AFailedDestinationProbeShowsABannerAndAFailedRunShowsWhyAndWhere()
    {
        // Nothing listens there: the probe and the run both fail to connect.
        var nowhere = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        await using var app = await new RespaldoApplication(
            ["--Backup:Destination=s3://my-bucket/records", "--Backup:ProbeAtStart=true", "--Backup:MaxAttempts=1", "--Backup:RequestTimeout=00:00:05"],
            S3Setup.Client(nowhere)).StartAsync();
        (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Ingeniera" })).EnsureSuccessStatusCode();
        await using var browser = await Browser.LaunchAsync();

        var page = await browser.OpenAsync(app.BaseAddress);

        var banner = page.Locator("#destination-warning");
        await Expect(banner).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(banner).ToContainTextAsync("The backup destination failed its check.");
        await Expect(page.Locator("#destination-problems li")).ToContainTextAsync("Destination s3://my-bucket/records", EventuallyContains);
        await Expect(page.Locator("#destination-problems li")).ToContainTextAsync("(Network)", EventuallyContains);

        await page.GetByRole(AriaRole.Button, new() { Name = "Back up now" }).ClickAsync();

        await Expect(page.Locator("#last-outcome")).ToHaveTextAsync("Failed", Eventually);
        await Expect(page.Locator("#last-why")).ToContainTextAsync("Network 1", EventuallyContains);
        var row = page.Locator("#runs-table tbody tr").First;
        await Expect(row.Locator("td").Nth(7)).ToHaveTextAsync("s3://my-bucket/records", Eventually);
        await Expect(row.Locator("td").Nth(8)).ToContainTextAsync("Network 1", EventuallyContains);
    }

    [Fact]
    public async Task AHealthyDestinationShowsNoBanner()
    {
        await using var app = await new RespaldoApplication("--Backup:ProbeAtStart=true").StartAsync();
        await using var browser = await Browser.LaunchAsync();

        var page = await browser.OpenAsync(app.BaseAddress);

        await Expect(page.Locator("#pending-files")).ToHaveTextAsync("0", Eventually);
        await Expect(page.Locator("#destination-warning")).ToBeHiddenAsync();
        Assert.True(File.Exists(Directory.GetFiles(app.BackupDirectory, "*.txt", SearchOption.AllDirectories).Single()), "the probe wrote its object");
    }
}
