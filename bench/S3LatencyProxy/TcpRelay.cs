using System.Net.Sockets;

namespace Respaldo.Bench.S3LatencyProxy;

/// <summary>Copies bytes both ways between each accepted connection and a fixed endpoint, half-closes included.</summary>
internal static class TcpRelay
{
    public static async Task RunAsync(TcpListener listener, Uri target, CancellationToken ct)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptSocketAsync(ct);
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(Task.Run(() => PipeAsync(client, target, ct), CancellationToken.None));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping: the listener was closed.
        }

        await Task.WhenAll(connections);
    }

    private static async Task PipeAsync(Socket client, Uri target, CancellationToken ct)
    {
        using var _ = client;
        using var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await upstream.ConnectAsync(target.Host, target.Port, ct);
            await Task.WhenAll(CopyAsync(client, upstream, ct), CopyAsync(upstream, client, ct));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A peer went away; the other side sees its connection close.
        }
    }

    private static async Task CopyAsync(Socket from, Socket to, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, ct);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch
        {
            // One direction failing ends the connection: close both sockets so the other copy ends too.
            from.Close();
            to.Close();
            throw;
        }
    }
}
