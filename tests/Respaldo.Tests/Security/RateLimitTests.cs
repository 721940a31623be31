using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Records;

namespace Respaldo.Tests.Security;

public sealed class RateLimitTests
{
    private static readonly object Record = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };
    private static readonly string[] TinyLimit = ["--Security:RateLimit:PermitsPerSecond=1", "--Security:RateLimit:Burst=2"];

    [Fact]
    public async Task IntakeBeyondTheLimitIsAnswered429WithRetryAfterAndRejectedRequestsWriteNothing()
    {
        await using var app = await new RespaldoApplication(TinyLimit).StartAsync();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await app.PostRecordAsync(Record);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await Aftermath.AssertProblemAsync(response, 429);
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            }
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.TooManyRequests, s.ToString()));
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.Created), Aftermath.RecordFiles(app).Length);
    }

    [Fact]
    public async Task AClientThatAcceptsOnlyHtmlStillGetsA429ProblemNotAServerError()
    {
        await using var app = await new RespaldoApplication(TinyLimit).StartAsync();
        app.Client.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        HttpResponseMessage response;
        while ((response = await app.PostRecordAsync(Record)).StatusCode == HttpStatusCode.Created)
        {
            response.Dispose();
        }

        await Aftermath.AssertProblemAsync(response, 429);
        response.Dispose();
    }

    [Fact]
    public async Task ReadBackAndHealthAreNotRateLimited()
    {
        await using var app = await new RespaldoApplication(TinyLimit).StartAsync();
        using var stored = await app.PostRecordAsync(Record);
        while ((await app.PostRecordAsync(Record)).StatusCode != HttpStatusCode.TooManyRequests)
        {
        }

        for (var i = 0; i < 10; i++)
        {
            using var read = await app.Client.GetAsync(stored.Headers.Location, Aftermath.Bounded());
            using var health = await app.Client.GetAsync("/healthz", Aftermath.Bounded());
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
    }

    [Fact]
    public async Task EachClientAddressHasItsOwnBucket()
    {
        await using var app = await new RespaldoApplication(TinyLimit).StartAsync();
        while ((await app.PostRecordAsync(Record)).StatusCode != HttpStatusCode.TooManyRequests)
        {
        }

        using var otherClient = ClientFrom("127.0.0.2", app.BaseAddress);
        using var response = await otherClient.PostAsJsonAsync("/store_data/", Record, Aftermath.Bounded());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task ARateOfZeroTurnsTheLimitOff()
    {
        await using var app = await new RespaldoApplication("--Security:RateLimit:PermitsPerSecond=0", "--Security:RateLimit:Burst=1").StartAsync();

        for (var i = 0; i < 20; i++)
        {
            using var response = await app.PostRecordAsync(Record);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        Assert.Equal(20, Aftermath.RecordFiles(app).Length);
    }

    /// <summary>A client whose connections leave from another loopback address, as a second machine would.</summary>
    private static HttpClient ClientFrom(string localAddress, Uri baseAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    {
        BaseAddress = baseAddress,
    };
}
