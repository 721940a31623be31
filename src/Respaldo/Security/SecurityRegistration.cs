using Microsoft.Extensions.Options;
using Respaldo.Hosting;

namespace Respaldo.Security;

internal static class SecurityRegistration
{
    /// <summary>
    /// API keys (<c>Security:ApiKeys</c>, <c>Security:RequireKeyForIntake</c>), trusted proxies
    /// (<c>Security:TrustedProxies</c>), the per-client intake rate limit (<c>Security:RateLimit</c>), the start-up
    /// warning about listening beyond loopback without keys, and Kestrel's limits (<c>Kestrel:Limits</c>).
    /// </summary>
    public static IHostApplicationBuilder AddSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<SecurityOptions>(SecurityOptions.Section, static (section, o) => section.Bind(o))
            .RejectUnknownKeys(SecurityOptions.Section, ownedElsewhere: "RateLimit");
        builder.Services.AddSingleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidation>();
        builder.Services.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section, static (section, o) => section.Bind(o))
            .RejectUnknownKeys(RateLimitOptions.Section);
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddTrustedProxies();
        builder.Services.AddSingleton<Exposure>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Exposure>());
        builder.Services.AddRateLimiter(IntakeRateLimit.Configure);
        builder.Services.AddKestrelLimits();
        return builder;
    }

    /// <summary>
    /// Goes after routing (implicit) and before the endpoints: the client's address first (from trusted proxies
    /// only), then key checks, then the rate limit.
    /// </summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseRateLimiter();
        return app;
    }
}
