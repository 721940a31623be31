using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Respaldo.Security;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Records;

namespace Respaldo.Tests.Security;

/// <summary>
/// The per-client token bucket on intake, on a <see cref="FakeTimeProvider"/>: time moves only when a test moves it,
/// so burst and refill are counted exactly, and every loop is bounded.
/// </summary>
public sealed class RateLimitTests
{
    private static readonly object Record = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };
    private static readonly string[] TinyLimit = ["--Security:RateLimit:PermitsPerSecond=1", "--Security:RateLimit:Burst=2"];

    private static async Task<RespaldoApplication> StartAsync(FakeTimeProvider clock, params string[] settings) =>
        await new RespaldoApplication(settings, services => services.AddSingleton<TimeProvider>(clock)).StartAsync();

    /// <summary>Posts <paramref name="count"/> records and returns how many were accepted, asserting every refusal is a proper 429.</summary>
    internal static async Task<int> AcceptedOfAsync(HttpClient client, int count)
    {
        var accepted = 0;
        for (var i = 0; i < count; i++)
        {
            using var response = await client.PostAsJsonAsync("/store_data/", Record, Aftermath.Bounded());
            if (response.StatusCode == HttpStatusCode.Created)
            {
                accepted++;
                continue;
            }
            await Aftermath.AssertProblemAsync(response, 429);
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        }
        return accepted;
    }

    [Fact]
    public async Task ABurstIsAcceptedAtOnceThenTokensRefillAtTheRateUpToTheBurstAndNoFurther()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(clock, "--Security:RateLimit:PermitsPerSecond=5", "--Security:RateLimit:Burst=10");

        Assert.Equal(10, await AcceptedOfAsync(app.Client, 14));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5, await AcceptedOfAsync(app.Client, 8));
        clock.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal(2, await AcceptedOfAsync(app.Client, 4));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(10, await AcceptedOfAsync(app.Client, 14));

        Assert.Equal(27, Aftermath.RecordFiles(app).Length);
    }

    [Fact]
    public async Task RetryAfterSaysWhenTheNextTokenArrives()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(clock, "--Security:RateLimit:PermitsPerSecond=1", "--Security:RateLimit:Burst=1");
        Assert.Equal(1, await AcceptedOfAsync(app.Client, 1));
        clock.Advance(TimeSpan.FromMilliseconds(100));

        using var refused = await app.PostRecordAsync(Record);
        clock.Advance(TimeSpan.FromSeconds(1));
        using var later = await app.PostRecordAsync(Record);

        await Aftermath.AssertProblemAsync(refused, 429);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
    }

    [Fact]
    public void TheDefaultLimitNeverThrottlesOneClientBelowTheIntakeCapacity()
    {
        // About 10,000 durable records/s is what this machine's intake takes (PERF-NOTES); one client sending that
        // many, second after second, must never see a 429 with the defaults.
        const int capacityPerSecond = 10_000;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var bucket = IntakeRateLimit.CreateBucket(new RateLimitOptions(), clock);

        for (var second = 0; second < 5; second++)
        {
            for (var i = 0; i < capacityPerSecond; i++)
            {
                using var lease = bucket.AttemptAcquire();
                Assert.True(lease.IsAcquired, $"request {i} in second {second} was throttled");
            }
            clock.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task IntakeBeyondTheLimitIsAnswered429WithRetryAfterAndRejectedRequestsWriteNothing()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(clock, TinyLimit);

        Assert.Equal(2, await AcceptedOfAsync(app.Client, 20));

        Assert.Equal(2, Aftermath.RecordFiles(app).Length);
    }

    [Fact]
    public async Task AClientThatAcceptsOnlyHtmlStillGetsA429ProblemNotAServerError()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(clock, TinyLimit);
        app.Client.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        Assert.Equal(2, await AcceptedOfAsync(app.Client, 3));
    }

    [Fact]
    public async Task ReadBackAndHealthAreNotRateLimited()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(clock, TinyLimit);
        using var stored = await app.PostRecordAsync(Record);
        Assert.Equal(1, await AcceptedOfAsync(app.Client, 3));

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
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(clock, TinyLimit);
        Assert.Equal(2, await AcceptedOfAsync(app.Client, 3));

        using var otherClient = ClientFrom("127.0.0.2", app.BaseAddress);

        Assert.Equal(2, await AcceptedOfAsync(otherClient, 3));
    }

    [Fact]
    public async Task ARateOfZeroTurnsTheLimitOff()
    {
        await using var app = await new RespaldoApplication("--Security:RateLimit:PermitsPerSecond=0", "--Security:RateLimit:Burst=1").StartAsync();

        Assert.Equal(20, await AcceptedOfAsync(app.Client, 20));
        Assert.Equal(20, Aftermath.RecordFiles(app).Length);
    }

    /// <summary>A client whose connections leave from another loopback address, as a second machine would.</summary>
    internal static HttpClient ClientFrom(string localAddress, Uri baseAddress) => new(new SocketsHttpHandler
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

public sealed class RateLimitPartitionTests
{
    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:eeee:dddd:1")]
    [InlineData("192.0.2.7", "::ffff:192.0.2.7")]
    public void AddressesOfOneClientShareOneBucket(string a, string b) =>
        Assert.Equal(Respaldo.Security.IntakeRateLimit.ClientOf(System.Net.IPAddress.Parse(a)), Respaldo.Security.IntakeRateLimit.ClientOf(System.Net.IPAddress.Parse(b)));

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1")]
    [InlineData("192.0.2.7", "192.0.2.8")]
    public void DifferentClientsHaveTheirOwnBuckets(string a, string b) =>
        Assert.NotEqual(Respaldo.Security.IntakeRateLimit.ClientOf(System.Net.IPAddress.Parse(a)), Respaldo.Security.IntakeRateLimit.ClientOf(System.Net.IPAddress.Parse(b)));
}
