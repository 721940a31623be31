using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Respaldo.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Respaldo.Tests.Operations;

/// <summary>The page at / in a real headless Chromium, read the way a person reads it.</summary>
public sealed class StatusPageTests
{
    private static readonly object Valid = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };

    /// <summary>The page polls every 5 s; this only bounds how long a test waits for what must come.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions Eventually = new() { Timeout = 20_000 };

    [Fact]
    public async Task ThePageShowsTheBacklogAndBackUpNowEmptiesItWithoutAReload()
    {
        await using var app = await new RespaldoApplication("--Backup:Schedule=0 3 * * *", "--Backup:TimeZone=UTC").StartAsync();
        for (var i = 0; i < 3; i++)
        {
            (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        }
        await using var browser = await Browser.LaunchAsync();

        var page = await browser.OpenAsync(app.BaseAddress);

        await Expect(page.Locator("#pending-files")).ToHaveTextAsync("3", Eventually);
        await Expect(page.Locator("#destination")).ToContainTextAsync(app.BackupDirectory);
        await Expect(page.Locator("#schedule")).ToContainTextAsync("0 3 * * *");
        await Expect(page.Locator("#no-runs")).ToBeVisibleAsync();
        await page.EvaluateAsync("window.sameDocument = true");

        await page.GetByRole(AriaRole.Button, new() { Name = "Back up now" }).ClickAsync();

        await Expect(page.Locator("#backup-result")).ToContainTextAsync("3 uploaded, 0 failed", new() { Timeout = 20_000 });
        await Expect(page.Locator("#pending-files")).ToHaveTextAsync("0", Eventually);
        var run = page.Locator("#runs-chart .run");
        await Expect(run).ToHaveCountAsync(1);
        await Expect(run).ToHaveAttributeAsync("data-uploaded", "3");
        await Expect(run).ToHaveAttributeAsync("data-failed", "0");
        await Expect(page.Locator("#runs-table tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#last-outcome")).ToHaveTextAsync("Succeeded");
        Assert.True(await page.EvaluateAsync<bool>("window.sameDocument === true"), "the page was reloaded");
        Assert.DoesNotContain(app.SpoolFiles(), f => f.EndsWith(".json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALastRunOfOneBundleSaysBundleInTheSingular()
    {
        await using var app = await new RespaldoApplication("--Backup:Layout=Bundle").StartAsync();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        await app.Services.GetRequiredService<Respaldo.Backup.BackupRunner>().RunAsync("test", ct: TestContext.Current.CancellationToken);
        await using var browser = await Browser.LaunchAsync();

        var page = await browser.OpenAsync(app.BaseAddress);

        await Expect(page.Locator("#last-run")).ToContainTextAsync("1 uploaded, 0 failed in", new() { Timeout = 20_000 });
        await Expect(page.Locator("#last-run")).ToContainTextAsync(", as 1 bundle of ");
    }

    [Fact]
    public async Task RecordsPostedWhileThePageIsOpenAppearWithoutAReload()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.OpenAsync(app.BaseAddress);
        await Expect(page.Locator("#pending-files")).ToHaveTextAsync("0", Eventually);
        await page.EvaluateAsync("window.sameDocument = true");

        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();

        await Expect(page.Locator("#pending-files")).ToHaveTextAsync("2", Eventually);
        await Expect(page.Locator("#oldest-at")).ToContainTextAsync("received");
        Assert.True(await page.EvaluateAsync<bool>("window.sameDocument === true"), "the page was reloaded");
    }

    [Fact]
    public async Task TheSavedApiKeyIsSentAsABearerTokenAndKeptInTheBrowser()
    {
        const string key = "page-key-0c9f3e-7a1b";
        await using var app = await new RespaldoApplication($"--Security:ApiKeys:0={key}").StartAsync();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.OpenAsync(app.BaseAddress);

        // Opened directly rather than clicked: the page opens it by itself when /status asks for a key, and a click would close it.
        await page.Locator("#key-box").EvaluateAsync("box => box.open = true");
        await page.GetByLabel("Key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        var backup = await page.RunAndWaitForRequestAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Back up now" }).ClickAsync(),
            request => request.Method == "POST" && request.Url.EndsWith("/backup", StringComparison.Ordinal));

        Assert.Equal("Bearer " + key, await backup.HeaderValueAsync("authorization"));
        await Expect(page.Locator("#pending-files")).ToHaveTextAsync("0", Eventually);
        await page.ReloadAsync();
        await Expect(page.Locator("#api-key")).ToHaveValueAsync(key);
    }
}
