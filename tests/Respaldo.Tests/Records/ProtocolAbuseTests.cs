using System.Text;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Security;

namespace Respaldo.Tests.Records;

/// <summary>
/// Abuse below the JSON: absurd headers, broken framing, bodies and headers that trickle in. Kestrel rejects
/// the header-level ones itself, before any application code runs, so those answers (431, 414, 408) have an
/// empty body rather than a ProblemDetails; the tests assert only their status. Framing errors found while
/// the application reads the body reach it as BadHttpRequestException and do become ProblemDetails.
/// </summary>
public sealed class ProtocolAbuseTests
{
    private const string ValidRecord = """{"nombre": "Ana", "edad": 30, "profesion": "Ingeniera"}""";

    [Fact]
    public async Task AHeaderLargerThanTheLimitIsRejectedByKestrelWith431()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        using var request = Post();
        request.Headers.TryAddWithoutValidation("X-Padding", new string('a', 40_000));

        using var response = await app.Client.SendAsync(request, Aftermath.Bounded());

        Assert.Equal(431, (int)response.StatusCode);
        Aftermath.AssertNothingStored(app);
        await Aftermath.AssertStillServingAsync(app);
    }

    [Fact]
    public async Task ThousandsOfHeadersAreRejectedByKestrelWith431()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        using var request = Post();
        for (var i = 0; i < 3000; i++)
        {
            request.Headers.TryAddWithoutValidation($"X-H{i}", "v");
        }

        using var response = await app.Client.SendAsync(request, Aftermath.Bounded());

        Assert.Equal(431, (int)response.StatusCode);
        Aftermath.AssertNothingStored(app);
        await Aftermath.AssertStillServingAsync(app);
    }

    [Fact]
    public async Task ATargetLongerThanTheRequestLineLimitIsRejectedByKestrelWith414()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        using var request = Post("/store_data/?pad=" + new string('a', 20_000));

        using var response = await app.Client.SendAsync(request, Aftermath.Bounded());

        Assert.Equal(414, (int)response.StatusCode);
        Aftermath.AssertNothingStored(app);
        await Aftermath.AssertStillServingAsync(app);
    }

    [Theory]
    [InlineData("*/*")]
    [InlineData("text/html")]
    public async Task BrokenChunkFramingIsAProblemDetails400WhateverTheClientAccepts(string accept)
    {
        await using var app = await new RespaldoApplication().StartAsync();
        await using var connection = await RawHttpConnection.OpenAsync(app.BaseAddress, Aftermath.Bounded());

        await connection.TrySendAsync(Head($"Accept: {accept}\r\nTransfer-Encoding: chunked") + "ZZ\r\n{\"nombre\"\r\n0\r\n\r\n", Aftermath.Bounded());
        var response = await connection.ReadResponseAsync(Aftermath.Bounded());

        Assert.NotNull(response);
        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Aftermath.AssertNothingStored(app);
        await Aftermath.AssertStillServingAsync(app);
    }

    [Fact]
    public async Task AHugeContentLengthIsRefusedWith413BeforeAnyOfTheBodyIsSent()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        await using var connection = await RawHttpConnection.OpenAsync(app.BaseAddress, Aftermath.Bounded());

        await connection.TrySendAsync(Head("Content-Length: 5000000"), Aftermath.Bounded());
        var response = await connection.ReadResponseAsync(Aftermath.Bounded());

        Assert.NotNull(response);
        Assert.Equal(413, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Aftermath.AssertNothingStored(app);
        await Aftermath.AssertStillServingAsync(app);
    }

    [Fact]
    public async Task ABodyShorterThanItsContentLengthStoresNothingAndIsNotLoggedAsAServerFailure()
    {
        var logs = new LogCapture();
        await using var app = await new RespaldoApplication([], logs.Register).StartAsync();
        await using var connection = await RawHttpConnection.OpenAsync(app.BaseAddress, Aftermath.Bounded());

        await connection.TrySendAsync(Head("Content-Length: 500") + ValidRecord, Aftermath.Bounded());
        connection.CloseSending();
        var response = await connection.ReadResponseAsync(Aftermath.Bounded());

        // The client is gone mid-body: the answer, if one gets out at all, is a 400, and it is the client's fault.
        Assert.True(response is null || response.Status == 400, $"answered {response?.Status}");
        Aftermath.AssertNothingStored(app);
        await Aftermath.AssertStillServingAsync(app);
        await app.StopAsync();
        Assert.DoesNotContain(logs.Entries, e => e.StartsWith("Error", StringComparison.Ordinal) || e.StartsWith("Critical", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABodyThatTricklesInIsCutOffByTheMinimumDataRateAndStoresNothing()
    {
        await using var app = await new RespaldoApplication(
            "--Kestrel:Limits:MinRequestBodyDataRate:BytesPerSecond=240",
            "--Kestrel:Limits:MinRequestBodyDataRate:GracePeriod=00:00:02").StartAsync();
        await using var connection = await RawHttpConnection.OpenAsync(app.BaseAddress, Aftermath.Bounded());
        var body = Encoding.ASCII.GetBytes(ValidRecord.PadRight(400));
        await connection.TrySendAsync(Head($"Content-Length: {body.Length}"), Aftermath.Bounded());

        var answer = connection.ReadResponseAsync(Aftermath.Bounded());
        await TrickleAsync(connection, body, answer);
        var response = await answer;

        // The read fails with Kestrel's 408, which the application answers as a ProblemDetails (or, if the
        // connection is already gone, nobody hears it); either way the request ends and nothing is kept.
        Assert.True(response is null || response is { Status: 408, ContentType: "application/problem+json" },
            $"answered {response?.Status} {response?.ContentType}");
        Aftermath.AssertNothingStored(app);
        await Aftermath.AssertStillServingAsync(app);
    }

    [Fact]
    public async Task HeadersThatTrickleInAreCutOffByTheHeadersTimeout()
    {
        await using var app = await new RespaldoApplication("--Kestrel:Limits:RequestHeadersTimeout=00:00:02").StartAsync();
        await using var connection = await RawHttpConnection.OpenAsync(app.BaseAddress, Aftermath.Bounded());
        await connection.TrySendAsync("POST /store_data/ HTTP/1.1\r\nHost: localhost\r\n", Aftermath.Bounded());

        var answer = connection.ReadResponseAsync(Aftermath.Bounded());
        await TrickleAsync(connection, Encoding.ASCII.GetBytes("X-Slow: " + new string('a', 400)), answer);
        var response = await answer;

        Assert.True(response is null || response.Status == 408, $"answered {response?.Status}");
        Aftermath.AssertNothingStored(app);
        await Aftermath.AssertStillServingAsync(app);
    }

    /// <summary>
    /// Sends a byte every quarter second, far below the limits, until the server answers or hangs up. The pause
    /// is the input being tested (a slow client), not synchronisation; the server's timeout ends it.
    /// </summary>
    private static async Task TrickleAsync(RawHttpConnection connection, byte[] bytes, Task answer)
    {
        for (var i = 0; i < bytes.Length && !answer.IsCompleted; i++)
        {
            if (!await connection.TrySendAsync(bytes.AsMemory(i, 1), Aftermath.Bounded()))
            {
                return;
            }
            await Task.WhenAny(answer, Task.Delay(TimeSpan.FromMilliseconds(250), TestContext.Current.CancellationToken));
        }
    }

    private static HttpRequestMessage Post(string path = "/store_data/") =>
        new(HttpMethod.Post, path) { Content = new StringContent(ValidRecord, Encoding.UTF8, "application/json") };

    private static string Head(string framing) =>
        $"POST /store_data/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{framing}\r\n\r\n";
}
