using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Respaldo.Security;

/// <summary>
/// Who the client is behind a reverse proxy. <c>X-Forwarded-For</c> is believed only from the proxies listed in
/// <c>Security:TrustedProxies</c>, and from nobody when none are listed. ASP.NET Core's own switch
/// (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>) trusts the header from anyone, which would let every client choose
/// its own rate-limit bucket; the options are therefore always settled here, after that switch applied its own.
/// </summary>
internal static class TrustedProxies
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().PostConfigure<IOptions<SecurityOptions>>((forwarded, security) =>
        {
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var entry in security.Value.TrustedProxies)
            {
                if (TryParse(entry, out var address, out var network))
                {
                    if (address is not null)
                    {
                        forwarded.KnownProxies.Add(address);
                    }
                    else
                    {
                        forwarded.KnownIPNetworks.Add(network!.Value);
                    }
                }
            }
            // With empty lists the middleware would trust everyone, so no proxy configured means no forwarding at all.
            forwarded.ForwardedHeaders = forwarded.KnownProxies.Count + forwarded.KnownIPNetworks.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Walk back through a chain of trusted proxies (a CDN in front of a load balancer) to the first address
            // that is not one of them: that is the client.
            forwarded.ForwardLimit = null;
        });
        return services;
    }

    public static bool TryParse(string? entry, out IPAddress? address, out System.Net.IPNetwork? network)
    {
        address = null;
        network = null;
        if (string.IsNullOrWhiteSpace(entry))
        {
            return false;
        }
        if (entry.Contains('/'))
        {
            if (System.Net.IPNetwork.TryParse(entry.Trim(), out var parsed))
            {
                network = parsed;
                return true;
            }
            return false;
        }
        return IPAddress.TryParse(entry.Trim(), out address);
    }
}
