using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Security;

/// <summary>
/// Behind a load balancer every connection comes from the proxy: the client is the address it forwards, but only
/// when the proxy is listed in <c>Security:TrustedProxies</c>; from anyone else <c>X-Forwarded-For</c> is a lie.
/// </summary>
public sealed class TrustedProxyTests
{
    private static readonly string[] TinyLimit = ["--Security:RateLimit:PermitsPerSecond=1", "--Security:RateLimit:Burst=2"];

    private static async Task<RespaldoApplication> StartAsync(params string[] settings) =>
        await new RespaldoApplication([.. TinyLimit, .. settings],
            services => services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow))).StartAsync();

    private static HttpClient Forwarding(RespaldoApplication app, string forwardedFor) =>
        new() { BaseAddress = app.BaseAddress, DefaultRequestHeaders = { { "X-Forwarded-For", forwardedFor } } };

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.0/8")]
    public async Task BehindATrustedProxyEachForwardedClientHasItsOwnBucket(string trusted)
    {
        await using var app = await StartAsync($"--Security:TrustedProxies:0={trusted}");
        using var first = Forwarding(app, "203.0.113.7");
        using var second = Forwarding(app, "203.0.113.8");

        Assert.Equal(2, await RateLimitTests.AcceptedOfAsync(first, 4));
        Assert.Equal(2, await RateLimitTests.AcceptedOfAsync(second, 4));
    }

    [Theory]
    [InlineData("")]
    [InlineData("--Security:TrustedProxies:0=10.0.0.1")]
    // ASP.NET Core's own switch (ASPNETCORE_FORWARDEDHEADERS_ENABLED) trusts the header from anyone.
    [InlineData("--FORWARDEDHEADERS_ENABLED=true")]
    public async Task XForwardedForFromAnUntrustedAddressIsIgnoredSoAClientCannotPickItsBucket(string setting)
    {
        await using var app = await StartAsync(setting.Length == 0 ? [] : [setting]);

        var accepted = 0;
        for (var i = 0; i < 6; i++)
        {
            using var spoofing = Forwarding(app, $"198.51.100.{i + 1}");
            accepted += await RateLimitTests.AcceptedOfAsync(spoofing, 1);
        }

        Assert.Equal(2, accepted);
    }

    [Fact]
    public async Task ATrustedProxyThatIsNotAnAddressStopsTheServiceAtStartNamingTheSetting()
    {
        await using var app = new RespaldoApplication("--Security:TrustedProxies:0=the-load-balancer");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(app.StartAsync);

        Assert.Contains("Security:TrustedProxies:0", error.Message);
    }
}
