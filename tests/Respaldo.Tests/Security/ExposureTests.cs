using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Operations;
using Respaldo.Tests.Records;
using static Microsoft.Playwright.Assertions;

namespace Respaldo.Tests.Security;

/// <summary>Listening beyond loopback with no key configured: a warning in the log, in /status and on the status page.</summary>
public sealed class ExposureTests
{
    private const string Key = "exposure-key-9a8b7c6d5e";

    private static async Task<string[]> WarningsAsync(RespaldoApplication app, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/status");
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        // A client cannot connect to 0.0.0.0; the same listener answers on 127.0.0.1.
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{app.BaseAddress.Port}") };
        using var response = await client.SendAsync(request, Aftermath.Bounded());
        response.EnsureSuccessStatusCode();
        var status = await response.Content.ReadFromJsonAsync<JsonElement>(Aftermath.Bounded());
        return [.. status.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!)];
    }

    [Fact]
    public async Task ListeningOnAllAddressesWithoutAKeyWarnsInTheLogAndInStatus()
    {
        var logs = new LogCapture();
        await using var app = await new RespaldoApplication(["--urls=http://0.0.0.0:0", .. LogCapture.EverythingSettings], logs.Register).StartAsync();

        var warning = Assert.Single(await WarningsAsync(app));

        Assert.Contains("Security:ApiKeys", warning);
        Assert.Contains(logs.Entries, e => e.StartsWith("Warning", StringComparison.Ordinal) && e.Contains("beyond loopback", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--urls=http://127.0.0.1:0", null)]
    [InlineData("--urls=http://0.0.0.0:0", Key)]
    public async Task LoopbackOrAConfiguredKeyRaisesNoWarning(string urls, string? key)
    {
        string[] settings = key is null ? [urls] : [urls, $"--Security:ApiKeys:0={key}"];
        await using var app = await new RespaldoApplication(settings).StartAsync();

        Assert.Empty(await WarningsAsync(app, key));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8000", true)]
    [InlineData("http://[::1]:8000", true)]
    [InlineData("http://localhost:8000", true)]
    [InlineData("http://0.0.0.0:8000", false)]
    [InlineData("http://[::]:8000", false)]
    [InlineData("http://*:8000", false)]
    [InlineData("http://+:8000", false)]
    [InlineData("http://10.1.2.3:8000", false)]
    [InlineData("http://respaldo.example:8000", false)]
    public void OnlyLoopbackAddressesCountAsLoopback(string address, bool loopback)
    {
        Assert.Equal(loopback, Respaldo.Security.Exposure.IsLoopback(address));
    }

    [Fact]
    public async Task TheStatusPageShowsABannerWhenExposedWithoutAKey()
    {
        await using var app = await new RespaldoApplication("--urls=http://0.0.0.0:0").StartAsync();
        await using var browser = await Browser.LaunchAsync();

        // Chromium refuses 0.0.0.0 as a destination; the same listener answers on 127.0.0.1.
        var page = await browser.OpenAsync(new Uri($"http://127.0.0.1:{app.BaseAddress.Port}/"));

        await Expect(page.Locator("#exposure")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(page.Locator("#exposure")).ToContainTextAsync("no API key is configured");
    }
}
