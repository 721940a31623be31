using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Respaldo.Security;

/// <summary>
/// Notices when the service listens beyond loopback while no API key is configured: then anyone who can reach the
/// port can read records back and see the status. Not an error (a trusted network or a proxy that authenticates is
/// a valid choice), so it is a warning at start-up and a banner on the status page, never a refusal to start.
/// </summary>
internal sealed class Exposure(IServer server, ApiKeys keys, IHostApplicationLifetime lifetime, ILogger<Exposure> logger) : IHostedService
{
    private volatile string? _warning;

    /// <summary>The warning for people, or null when the service is not exposed without keys.</summary>
    public string? Warning => _warning;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The addresses are known only once the server listens, which is after hosted services start.
        lifetime.ApplicationStarted.Register(Check);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Check()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var exposed = addresses.Where(a => !IsLoopback(a)).ToArray();
        if (keys.Configured || exposed.Length == 0)
        {
            return;
        }
        _warning = $"This service listens beyond loopback ({string.Join(", ", exposed)}) and no API key is configured: anyone "
            + "who can reach it can read records back and see the status. Set Security:ApiKeys, or listen on 127.0.0.1 only.";
        logger.ExposedWithoutKeys(string.Join(", ", exposed));
    }

    /// <summary>Only an explicit loopback address or <c>localhost</c>; wildcards (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>) and names are beyond it.</summary>
    internal static bool IsLoopback(string address)
    {
        string host;
        try
        {
            host = BindingAddress.Parse(address).Host;
        }
        catch (FormatException)
        {
            return false;
        }
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }
}
