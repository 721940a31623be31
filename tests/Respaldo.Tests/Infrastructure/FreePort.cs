using System.Net;
using System.Net.Sockets;

namespace Respaldo.Tests.Infrastructure;

/// <summary>A loopback TCP port that was free a moment ago.</summary>
public static class FreePort
{
    /// <summary>
    /// Lets the OS pick an unused port, then releases it for a child process to bind. Another process can take it in
    /// between, so callers that start servers retry on a new port when the server exits early.
    /// </summary>
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
