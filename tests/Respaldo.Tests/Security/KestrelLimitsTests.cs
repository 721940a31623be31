using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Security;

public sealed class KestrelLimitsTests
{
    [Fact]
    public async Task TheKestrelLimitsInAppSettingsReachKestrel()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.Equal(1024 * 1024, limits.MaxRequestBodySize);
        Assert.Equal(TimeSpan.FromSeconds(10), limits.RequestHeadersTimeout);
        Assert.Equal(240, limits.MinRequestBodyDataRate?.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(5), limits.MinRequestBodyDataRate?.GracePeriod);
    }

    [Fact]
    public async Task OneKeyOfADataRateCanBeOverriddenAlone()
    {
        await using var app = await new RespaldoApplication("--Kestrel:Limits:MinRequestBodyDataRate:GracePeriod=00:00:02").StartAsync();

        var rate = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MinRequestBodyDataRate;

        Assert.Equal(240, rate?.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(2), rate?.GracePeriod);
    }
}
