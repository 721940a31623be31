using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Records;

namespace Respaldo.Tests.Security;

public sealed class ApiKeyTests
{
    private const string Key = "k3y-0f-the-0perat0r-6c1d9e";
    private const string OtherKey = "second-key-for-rotation-77";
    private static readonly object Record = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };

    [Fact]
    public async Task WithoutKeysConfiguredOperatingEndpointsIntakeAndReadBackAreOpen()
    {
        await using var app = await SecuredApp.StartAsync();

        using var operate = await app.Client.GetAsync("/operate", Aftermath.Bounded());
        using var stored = await app.Client.PostAsJsonAsync("/store_data/", Record, Aftermath.Bounded());
        using var read = await app.Client.GetAsync(stored.Headers.Location, Aftermath.Bounded());

        Assert.Equal(HttpStatusCode.OK, operate.StatusCode);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Theory]
    [InlineData("/operate")]
    [InlineData("/raw")]
    public async Task AProtectedEndpointWithoutAKeyAnswers401WithABearerChallenge(string path)
    {
        await using var app = await SecuredApp.StartAsync($"--Security:ApiKeys:0={Key}");

        using var response = await app.Client.GetAsync(path, Aftermath.Bounded());

        await Aftermath.AssertProblemAsync(response, 401);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Theory]
    [InlineData("Bearer wrong-key")]
    [InlineData("Bearer " + Key + "x")]
    [InlineData("Bearer k3y-0f-the-0perat0r")]
    [InlineData("Bearer ")]
    [InlineData("Basic " + Key)]
    [InlineData(Key)]
    public async Task AProtectedEndpointWithAWrongKeyAnswers401(string authorization)
    {
        await using var app = await SecuredApp.StartAsync($"--Security:ApiKeys:0={Key}");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/raw");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await app.Client.SendAsync(request, Aftermath.Bounded());

        var problem = await Aftermath.AssertProblemAsync(response, 401);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.DoesNotContain(Key, problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientThatAcceptsOnlyHtmlStillGetsA401ProblemNotAServerError()
    {
        await using var app = await SecuredApp.StartAsync($"--Security:ApiKeys:0={Key}");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/operate");
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await app.Client.SendAsync(request, Aftermath.Bounded());

        await Aftermath.AssertProblemAsync(response, 401);
    }

    [Theory]
    [InlineData("Bearer", Key)]
    [InlineData("bearer", Key)]
    [InlineData("Bearer", OtherKey)]
    public async Task AProtectedEndpointWithAnyConfiguredKeyAnswers(string scheme, string key)
    {
        await using var app = await SecuredApp.StartAsync($"--Security:ApiKeys:0={Key}", $"--Security:ApiKeys:1={OtherKey}");
        app.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, key);

        using var operate = await app.Client.GetAsync("/operate", Aftermath.Bounded());
        using var raw = await app.Client.GetAsync("/raw", Aftermath.Bounded());

        Assert.Equal("operated", await operate.Content.ReadAsStringAsync(Aftermath.Bounded()));
        Assert.Equal("raw", await raw.Content.ReadAsStringAsync(Aftermath.Bounded()));
    }

    [Fact]
    public async Task ProtectRecordsDemandsAKeyForIntakeAndReadBackAndWritesNothingWithoutOne()
    {
        await using var app = await new RespaldoApplication($"--Security:ApiKeys:0={Key}", "--Security:ProtectRecords=true").StartAsync();
        using var authorized = new HttpClient { BaseAddress = app.BaseAddress };
        authorized.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var stored = await authorized.PostAsJsonAsync("/store_data/", Record, Aftermath.Bounded());
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);

        using var anonymousPost = await app.PostRecordAsync(Record);
        using var anonymousRead = await app.Client.GetAsync(stored.Headers.Location, Aftermath.Bounded());
        using var authorizedRead = await authorized.GetAsync(stored.Headers.Location, Aftermath.Bounded());
        using var health = await app.Client.GetAsync("/healthz", Aftermath.Bounded());

        await Aftermath.AssertProblemAsync(anonymousPost, 401);
        await Aftermath.AssertProblemAsync(anonymousRead, 401);
        Assert.Equal(HttpStatusCode.OK, authorizedRead.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Single(Aftermath.RecordFiles(app));
    }

    [Fact]
    public async Task ProtectRecordsWithoutAnyKeyStopsTheServiceAtStart()
    {
        await using var app = new RespaldoApplication("--Security:ProtectRecords=true");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(app.StartAsync);

        Assert.Contains("Security:ProtectRecords", error.Message);
    }

    [Fact]
    public async Task AKeyWithWhiteSpaceStopsTheServiceAtStartWithoutRepeatingTheKey()
    {
        await using var app = new RespaldoApplication("--Security:ApiKeys:0=secret with-space");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(app.StartAsync);

        Assert.Contains("Security:ApiKeys", error.Message);
        Assert.DoesNotContain("secret", error.Message);
    }

    [Fact]
    public async Task KeysNeverAppearInTheLogWhetherRightOrWrong()
    {
        const string wrongKey = "wr0ng-guess-9f8e7d6c5b4a";
        var logs = new LogCapture();
        await using var app = await new RespaldoApplication(
            [$"--Security:ApiKeys:0={Key}", "--Security:ProtectRecords=true", .. LogCapture.EverythingSettings], logs.Register).StartAsync();

        foreach (var key in (string[])[Key, wrongKey])
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/store_data/") { Content = JsonContent.Create(Record) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await app.Client.SendAsync(request, Aftermath.Bounded());
            Assert.Equal(key == Key ? HttpStatusCode.Created : HttpStatusCode.Unauthorized, response.StatusCode);
        }
        await app.StopAsync();

        Assert.Contains(logs.Entries, e => e.Contains("API key Invalid", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Contains(Key, StringComparison.Ordinal) || e.Contains(wrongKey, StringComparison.Ordinal));
    }
}
