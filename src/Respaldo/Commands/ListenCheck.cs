using System.Net;
using System.Net.Sockets;

namespace Respaldo.Commands;

/// <summary>
/// Whether the addresses <c>serve</c> will listen on are free, checked before the spool is touched: Kestrel binds only
/// after the host has started, by which time spool recovery has already created folders and taken the spool's lock.
/// Only "another program holds it" is answered here; anything else (a port below 1024, an address this machine does not
/// have) is left to Kestrel, whose failure StartupErrors describes.
/// </summary>
internal static class ListenCheck
{
    public static string? Problem(string? urls)
    {
        foreach (var url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcard hosts ("*", "+") and names other than localhost listen on every address.
            var parsable = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(parsable, UriKind.Absolute, out var uri) || uri.Port == 0)
            {
                continue;
            }
            var address = uri.IsLoopback && !IPAddress.TryParse(uri.Host, out _) ? IPAddress.Loopback
                : IPAddress.TryParse(uri.Host, out var ip) ? ip : IPAddress.Any;
            if (InUse(new IPEndPoint(address, uri.Port)))
            {
                return $"Cannot listen on {url}: another program already uses it. Stop that program, or set another address with --urls (or Urls).";
            }
        }
        return null;
    }

    private static bool InUse(IPEndPoint endpoint)
    {
        try
        {
            // A listening socket closed before any connection leaves nothing behind (no TIME_WAIT), so Kestrel's bind
            // right after succeeds.
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(endpoint);
            socket.Listen();
            return false;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.AddressAlreadyInUse;
        }
    }
}
