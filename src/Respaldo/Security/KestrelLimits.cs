using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Respaldo.Security;

/// <summary>
/// Applies <c>Kestrel:Limits</c> from configuration (request size, header size and count, header timeout,
/// minimum body data rate). ASP.NET Core binds only Kestrel's endpoints from configuration, not its limits,
/// so without this the limits in appsettings.json were silently ignored; and <see cref="MinDataRate"/> has no
/// setters, so the data rates are built here from their two keys.
/// </summary>
internal static class KestrelLimits
{
    public const string Section = "Kestrel:Limits";

    public static IServiceCollection AddKestrelLimits(this IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            var section = configuration.GetSection(Section);
            section.Bind(options.Limits);
            options.Limits.MinRequestBodyDataRate = Rate(section.GetSection("MinRequestBodyDataRate"), options.Limits.MinRequestBodyDataRate);
            options.Limits.MinResponseDataRate = Rate(section.GetSection("MinResponseDataRate"), options.Limits.MinResponseDataRate);
        });
        return services;
    }

    private static MinDataRate? Rate(IConfigurationSection section, MinDataRate? current) => section.Exists()
        ? new MinDataRate(
            section.GetValue(nameof(MinDataRate.BytesPerSecond), current?.BytesPerSecond ?? 240),
            section.GetValue(nameof(MinDataRate.GracePeriod), current?.GracePeriod ?? TimeSpan.FromSeconds(5)))
        : current;
}
