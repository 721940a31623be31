using Respaldo.Hosting;

namespace Respaldo.Security;

internal static class SecurityRegistration
{
    /// <summary>
    /// API keys (<c>Security:ApiKeys</c>, <c>Security:ProtectRecords</c>), the intake rate limit
    /// (<c>Security:RateLimit</c>) and Kestrel's request size, header and data-rate limits (<c>Kestrel:Limits</c>).
    /// </summary>
    public static IHostApplicationBuilder AddSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<SecurityOptions>(SecurityOptions.Section, static (section, o) => section.Bind(o))
            .Validate(o => o.ApiKeys.All(IsUsableKey),
                "Security:ApiKeys: every key must be 1 or more visible ASCII characters without spaces (it travels as 'Authorization: Bearer <key>').")
            .Validate(o => !o.ProtectRecords || o.ApiKeys.Length > 0,
                "Security:ProtectRecords: needs at least one key in Security:ApiKeys.");
        builder.Services.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section, static (section, o) => section.Bind(o));
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddRateLimiter(IntakeRateLimit.Configure);
        builder.Services.AddKestrelLimits();
        return builder;
    }

    /// <summary>Goes after routing (implicit) and before the endpoints: key checks first, then the rate limit.</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseRateLimiter();
        return app;
    }

    private static bool IsUsableKey(string? key) => !string.IsNullOrEmpty(key) && key.All(c => c is > ' ' and <= '~');
}
