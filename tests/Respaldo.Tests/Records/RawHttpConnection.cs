using System.Net.Sockets;
using System.Text;

namespace Respaldo.Tests.Records;

/// <summary>
/// A bare TCP connection to the service, for requests HttpClient refuses to send: broken framing, bodies
/// that trickle in, headers that never end.
/// </summary>
internal sealed class RawHttpConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawHttpConnection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawHttpConnection> OpenAsync(Uri baseAddress, CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port, ct);
        return new RawHttpConnection(tcp);
    }

    /// <summary>Sends the bytes; false when the server has already closed the connection.</summary>
    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        try
        {
            await _stream.WriteAsync(bytes, ct);
            await _stream.FlushAsync(ct);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public Task<bool> TrySendAsync(string ascii, CancellationToken ct) => TrySendAsync(Encoding.ASCII.GetBytes(ascii), ct);

    /// <summary>Signals the end of the request bytes while still reading the answer.</summary>
    public void CloseSending() => _tcp.Client.Shutdown(SocketShutdown.Send);

    /// <summary>
    /// Reads one response: its status and body, or null when the server closed the connection without one.
    /// Throws when <paramref name="ct"/> fires first, which a test reports as a hang.
    /// </summary>
    public async Task<RawResponse?> ReadResponseAsync(CancellationToken ct)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int headEnd;
        while ((headEnd = received.GetBuffer().AsSpan(0, (int)received.Length).IndexOf("\r\n\r\n"u8)) < 0)
        {
            var n = await ReadSomeAsync(buffer, ct);
            if (n == 0)
            {
                return null;
            }
            received.Write(buffer, 0, n);
        }
        var head = Encoding.ASCII.GetString(received.GetBuffer(), 0, headEnd);
        var lines = head.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToLookup(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var length = headers["Content-Length"].Select(int.Parse).FirstOrDefault();
        while (received.Length - headEnd - 4 < length)
        {
            var n = await ReadSomeAsync(buffer, ct);
            if (n == 0)
            {
                break;
            }
            received.Write(buffer, 0, n);
        }
        var body = Encoding.UTF8.GetString(received.GetBuffer(), headEnd + 4, (int)received.Length - headEnd - 4);
        return new RawResponse(status, headers, body);
    }

    private async Task<int> ReadSomeAsync(byte[] buffer, CancellationToken ct)
    {
        try
        {
            return await _stream.ReadAsync(buffer, ct);
        }
        catch (IOException)
        {
            return 0; // reset by the server: as good as closed
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal sealed record RawResponse(int Status, ILookup<string, string> Headers, string Body)
{
    public string? ContentType => Headers["Content-Type"].FirstOrDefault();
}
