using System.Net;
using System.Net.Sockets;

namespace Respaldo.Commands;

/// <summary>
/// Whether the addresses <c>serve</c> will listen on can be used, checked before the spool is touched: Kestrel binds
/// only after the host has started, by which time spool recovery has already created folders and taken the spool's
/// lock, and its own failures (a missing scheme, a port out of range, https without a certificate, an address this
/// machine does not have) are stack traces. A port below 1024 without the capability is still left to Kestrel, whose
/// failure StartupErrors describes.
/// </summary>
internal static partial class ListenCheck
{
    private const string Example = "http://127.0.0.1:8000";

    public static StartupError? Problem(string? urls, IConfiguration configuration)
    {
        // ASPNETCORE_HTTP_PORTS / ASPNETCORE_HTTPS_PORTS (or http_ports in a settings file) would be overridden by the
        // default address without a word (RespaldoHost sets it whenever Urls is empty): refuse rather than listen elsewhere.
        foreach (var key in (string[])["http_ports", "https_ports"])
        {
            if (!string.IsNullOrWhiteSpace(configuration[key]))
            {
                return new($"{key} (ASPNETCORE_{key.ToUpperInvariant()}) is not used by Respaldo; set where it listens with Urls or --urls instead, e.g. {Example}.", ExitCodes.InvalidConfig);
            }
        }
        foreach (var url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Form(url, configuration) is { } wrong)
            {
                return new($"--urls (Urls): '{url}' {wrong}", ExitCodes.InvalidConfig);
            }
            if (url.Contains("://unix:", StringComparison.OrdinalIgnoreCase))
            {
                continue; // a Unix socket: Kestrel reports its own path problems plainly enough
            }
            // Kestrel's wildcard hosts ("*", "+") and names other than localhost listen on every address.
            var uri = new Uri(Wildcards(url));
            var address = uri.IsLoopback && !IPAddress.TryParse(uri.Host, out _) ? IPAddress.Loopback
                : IPAddress.TryParse(uri.Host, out var ip) ? ip : IPAddress.Any;
            switch (TryBind(new IPEndPoint(address, uri.Port)))
            {
                case SocketError.AddressAlreadyInUse:
                    return new($"Cannot listen on {url}: another program already uses it. Stop that program, or set another address with --urls (or Urls).", ExitCodes.Failed);
                case SocketError.AddressNotAvailable:
                    return new($"--urls (Urls): '{url}' names address {address}, which this machine does not have; use one of its addresses, e.g. {Example}, or http://0.0.0.0:8000 for all of them.", ExitCodes.InvalidConfig);
            }
        }
        return null;
    }

    /// <summary>
    /// Says, once per address, when a host name makes Kestrel listen on every interface: it binds only IP addresses
    /// and <c>localhost</c>, and takes any other name as "all of them" without a word, so <c>http://myhost:8000</c>
    /// is reachable from every network the machine is on (Security/Exposure.cs counts that as beyond loopback).
    /// </summary>
    public static void TellHostNames(string? urls, ILogger logger)
    {
        foreach (var url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!url.Contains("://unix:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(Wildcards(url), UriKind.Absolute, out var uri)
                && uri.HostNameType == UriHostNameType.Dns && !uri.IsLoopback)
            {
                logger.HostNameListensEverywhere(url, uri.Host, uri.Port);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "--urls (Urls) '{Url}' names the host {Host}, which is not an address, so the service listens on all interfaces (port {Port}), not only on {Host}'s; to listen on one interface give its IP address, e.g. http://127.0.0.1:{Port}")]
    private static partial void HostNameListensEverywhere(this ILogger logger, string url, string host, int port);

    /// <summary>What is wrong with the form of one address, ending with what to write; null when Kestrel can use it.</summary>
    private static string? Form(string url, IConfiguration configuration)
    {
        var https = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (!https && !url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return $"is not an address to listen on: it needs the scheme http://, a host and a port; write e.g. {Example}.";
        }
        if (url.Contains("://unix:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (!Uri.TryCreate(Wildcards(url), UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return $"is not an address to listen on: the host or the port (0 to 65535) is not valid; write e.g. {Example}.";
        }
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            return $"has a path; an address to listen on is only scheme, host and port, e.g. {Example}.";
        }
        // Without a certificate Kestrel falls back on the .NET developer certificate, which servers never have.
        if (https && !configuration.GetSection("Kestrel:Certificates:Default").GetChildren().Any())
        {
            return $"uses https, but no certificate is configured (Kestrel:Certificates:Default:Path and :KeyPath); configure one, or listen on http (e.g. {Example}) behind a TLS proxy.";
        }
        return null;
    }

    private static string Wildcards(string url) =>
        url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);

    private static SocketError TryBind(IPEndPoint endpoint)
    {
        try
        {
            // A listening socket closed before any connection leaves nothing behind (no TIME_WAIT), so Kestrel's bind
            // right after succeeds.
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(endpoint);
            socket.Listen();
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }
}
