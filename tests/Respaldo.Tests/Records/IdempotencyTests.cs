using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Records;

public sealed class IdempotencyTests
{
    private static readonly object Record = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };

    [Fact]
    public async Task TheSameKeyTwiceReturnsTheSameIdAndWritesOneFile()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        using var first = await PostAsync(app, "order-1", Record);
        using var second = await PostAsync(app, "order-1", Record);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(await IdOf(first), await IdOf(second));
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(["true"], second.Headers.GetValues("Idempotent-Replayed"));
        Assert.Single(Aftermath.RecordFiles(app));
    }

    [Fact]
    public async Task DifferentKeysWriteDifferentRecords()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        using var first = await PostAsync(app, "order-1", Record);
        using var second = await PostAsync(app, "order-2", Record);

        Assert.NotEqual(await IdOf(first), await IdOf(second));
        Assert.Equal(2, Aftermath.RecordFiles(app).Length);
    }

    [Fact]
    public async Task FiftyConcurrentRequestsWithTheSameKeyWriteOneRecord()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => PostAsync(app, "burst-key", Record)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(IdOf));
        Assert.Single(ids.Distinct());
        Assert.Equal(49, responses.Count(r => r.Headers.Contains("Idempotent-Replayed")));
        Assert.Single(Aftermath.RecordFiles(app));
    }

    [Fact]
    public async Task TheSameKeyWithADifferentRecordIsAConflictAndWritesNothing()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        using var first = await PostAsync(app, "order-1", Record);

        using var second = await PostAsync(app, "order-1", new { nombre = "Eva", edad = 30, profesion = "Ingeniera" });

        await Aftermath.AssertProblemAsync(second, 409);
        Assert.Single(Aftermath.RecordFiles(app));
    }

    [Fact]
    public async Task AKeySurvivesARestartWhileItsRecordIsSpooled()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        using var first = await PostAsync(app, "order-1", Record);

        await app.RestartAsync();
        using var second = await PostAsync(app, "order-1", Record);

        Assert.Equal(await IdOf(first), await IdOf(second));
        Assert.Equal(["true"], second.Headers.GetValues("Idempotent-Replayed"));
        Assert.Single(Aftermath.RecordFiles(app));
    }

    [Fact]
    public async Task AKeyIsHonouredUntilTheEndOfTheWindowAndForgottenAfterIt()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await new RespaldoApplication(
            ["--Intake:IdempotencyWindow=00:10:00"], services => services.AddSingleton<TimeProvider>(clock)).StartAsync();
        using var first = await PostAsync(app, "order-1", Record);

        clock.Advance(TimeSpan.FromMinutes(10));
        using var atTheEdge = await PostAsync(app, "order-1", Record);
        clock.Advance(TimeSpan.FromSeconds(1));
        using var afterIt = await PostAsync(app, "order-1", Record);

        var original = await IdOf(first);
        Assert.Equal(original, await IdOf(atTheEdge));
        Assert.NotEqual(original, await IdOf(afterIt));
        Assert.False(afterIt.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, Aftermath.RecordFiles(app).Length);
    }

    [Fact]
    public async Task AKeyRestoredAtStartUpStillExpiresWithTheWindow()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await new RespaldoApplication(
            ["--Intake:IdempotencyWindow=00:10:00"], services => services.AddSingleton<TimeProvider>(clock)).StartAsync();
        using var first = await PostAsync(app, "order-1", Record);

        clock.Advance(TimeSpan.FromMinutes(11));
        await app.RestartAsync();
        using var second = await PostAsync(app, "order-1", Record);

        Assert.NotEqual(await IdOf(first), await IdOf(second));
        Assert.Equal(2, Aftermath.RecordFiles(app).Length);
    }

    public static TheoryData<string> InvalidKeys =>
    [
        "",
        new string('k', 300),
        "clé-ñ",
        "has space",
    ];

    [Theory]
    [MemberData(nameof(InvalidKeys))]
    public async Task AnInvalidKeyIsRejectedWith400AndWritesNothing(string key)
    {
        await using var app = await new RespaldoApplication().StartAsync();
        using var client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = app.BaseAddress,
        };
        using var request = Request(key, Record);

        using var response = await client.SendAsync(request, Aftermath.Bounded());

        await Aftermath.AssertProblemAsync(response, 400);
        Aftermath.AssertNothingStored(app);
    }

    [Fact]
    public async Task TwoKeyHeaderLinesInOneRequestAreRejectedWith400()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        await using var connection = await RawHttpConnection.OpenAsync(app.BaseAddress, Aftermath.Bounded());
        var body = """{"nombre": "Ana", "edad": 30, "profesion": "Ingeniera"}""";

        await connection.TrySendAsync(
            "POST /store_data/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
            $"Idempotency-Key: order-1\r\nIdempotency-Key: order-2\r\nContent-Length: {body.Length}\r\n\r\n{body}", Aftermath.Bounded());
        var response = await connection.ReadResponseAsync(Aftermath.Bounded());

        Assert.Equal(400, response?.Status);
        Assert.Equal("application/problem+json", response?.ContentType);
        Aftermath.AssertNothingStored(app);
    }

    [Fact]
    public async Task TheLongestValidKeyIsAccepted()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        using var response = await PostAsync(app, new string('k', 255), Record);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static Task<HttpResponseMessage> PostAsync(RespaldoApplication app, string key, object record) =>
        app.Client.SendAsync(Request(key, record), Aftermath.Bounded());

    private static HttpRequestMessage Request(string key, object record)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/store_data/") { Content = JsonContent.Create(record) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return request;
    }

    private static async Task<Guid> IdOf(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>(Aftermath.Bounded());
        return receipt.GetProperty("id").GetGuid();
    }
}
