using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Operations;
using static Microsoft.Playwright.Assertions;

namespace Respaldo.Tests.Failures;

/// <summary>
/// M6: a destination that failed the start-up probe is not failed forever. Once the operator fixes it (here: creates
/// the missing bucket on moto), a backup run that stores an object or the service's own re-probe clears the failure
/// from <c>/status</c> and <c>/healthz</c>, without a restart.
/// </summary>
public sealed class DestinationRecoveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFailedProbeIsClearedByTheFirstBackupRunThatStoresAnObjectOnceTheBucketExists()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await using var app = await new RespaldoApplication(
            S3Setup.Settings(bucket, "records", "--Backup:ProbeAtStart=true"), S3Setup.Client(moto)).StartAsync();
        var failed = await DestinationCheckAsync(app, check => !check.GetProperty("ok").GetBoolean());
        var unhealthy = await app.Client.GetFromJsonAsync<JsonElement>("/healthz", Ct);

        await moto.CreateBucketAsync(bucket, Ct);
        (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Ingeniera" })).EnsureSuccessStatusCode();
        var run = await app.Client.PostAsync("/backup", null, Ct);
        var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Ct);
        var health = await app.Client.GetFromJsonAsync<JsonElement>("/healthz", Ct);

        Assert.Contains("the bucket does not exist", failed.GetProperty("problems")[0].GetString());
        Assert.NotEqual(JsonValueKind.Null, failed.GetProperty("nextCheckAt").ValueKind);
        Assert.False(unhealthy.GetProperty("destination").GetProperty("ok").GetBoolean());
        run.EnsureSuccessStatusCode();
        var check = status.GetProperty("destinationCheck");
        Assert.True(check.GetProperty("ok").GetBoolean());
        Assert.Empty(check.GetProperty("problems").EnumerateArray());
        Assert.StartsWith("backup run ", check.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("nextCheckAt").ValueKind);
        Assert.True(health.GetProperty("destination").GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task AFailingDestinationIsProbedAgainWithGrowingPausesAndTheFailureGoesOnceTheBucketExists()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await new RespaldoApplication(
            S3Setup.Settings(bucket, "records", "--Backup:ProbeAtStart=true"),
            services => { S3Setup.Client(moto)(services); services.AddSingleton<TimeProvider>(clock); }).StartAsync();

        var first = await DestinationCheckAsync(app, check => !check.GetProperty("ok").GetBoolean());
        var firstWait = NextCheck(first) - clock.GetUtcNow();
        clock.Advance(firstWait);
        var second = await DestinationCheckAsync(app, check => check.GetProperty("checkedAt").GetDateTimeOffset() > first.GetProperty("checkedAt").GetDateTimeOffset());
        var secondWait = NextCheck(second) - clock.GetUtcNow();
        await moto.CreateBucketAsync(bucket, Ct);
        clock.Advance(secondWait);
        var recovered = await DestinationCheckAsync(app, check => check.GetProperty("ok").GetBoolean());

        Assert.Equal(DestinationStartupProbe.FirstRecheck, firstWait);
        Assert.False(second.GetProperty("ok").GetBoolean());
        Assert.Equal(2 * DestinationStartupProbe.FirstRecheck, secondWait);
        Assert.Equal("probe", recovered.GetProperty("source").GetString());
        Assert.Empty(recovered.GetProperty("problems").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, recovered.GetProperty("nextCheckAt").ValueKind);
        var health = await app.Client.GetFromJsonAsync<JsonElement>("/healthz", Ct);
        Assert.True(health.GetProperty("destination").GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task TheStatusPagesBannerSaysWhenItChecksAgainAndGoesOnceABackupToTheCreatedBucketSucceeds()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await using var app = await new RespaldoApplication(
            S3Setup.Settings(bucket, "records", "--Backup:ProbeAtStart=true"), S3Setup.Client(moto)).StartAsync();
        (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Ingeniera" })).EnsureSuccessStatusCode();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.OpenAsync(app.BaseAddress);
        var banner = page.Locator("#destination-warning");
        await Expect(banner).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(page.Locator("#destination-checked")).ToContainTextAsync("Last checked", new() { Timeout = 20_000 });
        await Expect(page.Locator("#destination-checked")).ToContainTextAsync("checking again at");
        await Expect(banner).ToContainTextAsync("goes by itself");

        await moto.CreateBucketAsync(bucket, Ct);
        await page.GetByRole(AriaRole.Button, new() { Name = "Back up now" }).ClickAsync();

        await Expect(page.Locator("#last-outcome")).ToHaveTextAsync("Succeeded", new() { Timeout = 20_000 });
        await Expect(banner).ToBeHiddenAsync(new() { Timeout = 20_000 });
    }

    private static DateTimeOffset NextCheck(JsonElement check) => check.GetProperty("nextCheckAt").GetDateTimeOffset();

    /// <summary>The <c>destinationCheck</c> of <c>/status</c> once it satisfies <paramref name="done"/> (the probe runs in the background).</summary>
    private static async Task<JsonElement> DestinationCheckAsync(RespaldoApplication app, Func<JsonElement, bool> done)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Ct);
            if (status.GetProperty("destinationCheck") is { ValueKind: JsonValueKind.Object } check && done(check))
            {
                return check;
            }
            await Task.Delay(50, Ct);
        }
        throw new TimeoutException("The destination check never reached the expected state.");
    }
}
