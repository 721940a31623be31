using System.Net.Http.Json;
using Microsoft.Playwright;
using Respaldo.Tests.Faults;
using Respaldo.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Respaldo.Tests.Operations;

/// <summary>
/// The status page of the published Native AOT executable in a real headless Chromium: its data (<c>/status</c>,
/// <c>POST /backup</c>) comes only from source-generated JSON there, which the in-process tests cannot show.
/// </summary>
public sealed class PublishedStatusPageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThePublishedExecutableShowsTheBacklogAndBackUpNowEmptiesIt()
    {
        using var temp = new TempFolder();
        var spool = temp.Sub("records");
        var backup = temp.Sub("backup");
        await using var server = await RespaldoProcess.ServeAsync(temp.Path,
            [$"--Storage:Directory={spool}", $"--Backup:Destination={backup}", "--Backup:Schedule=0 3 * * *", "--Backup:TimeZone=UTC"], Ct);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        for (var i = 0; i < 3; i++)
        {
            (await client.PostAsJsonAsync("/store_data/", new { nombre = "Ana", edad = 30, profesion = "Ingeniera" }, Ct)).EnsureSuccessStatusCode();
        }
        await using var browser = await Browser.LaunchAsync();

        var page = await browser.OpenAsync(server.BaseAddress!);

        await Expect(page.Locator("#pending-files")).ToHaveTextAsync("3", new() { Timeout = 20_000 });
        await Expect(page.Locator("#destination")).ToContainTextAsync(backup);
        await Expect(page.Locator("#schedule")).ToContainTextAsync("0 3 * * *");
        await page.GetByRole(AriaRole.Button, new() { Name = "Back up now" }).ClickAsync();
        await Expect(page.Locator("#backup-result")).ToContainTextAsync("3 uploaded, 0 failed", new() { Timeout = 20_000 });
        await Expect(page.Locator("#pending-files")).ToHaveTextAsync("0", new() { Timeout = 20_000 });
        await Expect(page.Locator("#last-outcome")).ToHaveTextAsync("Succeeded");
        Assert.Empty(Directory.GetFiles(spool, "*.json"));
    }
}
