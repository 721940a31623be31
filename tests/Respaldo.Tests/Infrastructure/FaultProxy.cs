using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Respaldo.Tests.Infrastructure;

/// <summary>
/// An HTTP/1.1 reverse proxy on a free loopback port in front of an S3 server; <see cref="Rule"/> decides per request
/// whether to forward it or inject a <see cref="Fault"/>, and can be changed while requests flow. BCL only, so that
/// benchmarks can compile FaultProxy*.cs too.
/// </summary>
public sealed partial class FaultProxy : IAsyncDisposable
{
    private static readonly byte[] Continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private readonly ConcurrentQueue<Exception> _errors = new();
    private readonly int[] _injected = new int[Enum.GetValues<FaultKind>().Length];
    private readonly Task _accepting;
    private volatile Func<ProxyRequest, Fault> _rule = _ => Fault.None;
    private long _latencyTicks;
    private long _requests;
    private long _connectionIds;
    private int _disposed;

    public FaultProxy(Uri upstream)
    {
        Upstream = upstream;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(backlog: 512);
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri Endpoint { get; }
    public Uri Upstream { get; }

    /// <summary>Decides each request's fault; read once per request, so it can be swapped at any time.</summary>
    public Func<ProxyRequest, Fault> Rule { get => _rule; set => _rule = value; }

    /// <summary>
    /// Sees the headers of every answer forwarded from the server, before the client does, and may change them in place
    /// (e.g. make moto's answers look like those of a bucket with default SSE-KMS encryption). Returns whether it changed
    /// anything; each change counts as an injected <see cref="FaultKind.ResponseHeaders"/>.
    /// </summary>
    public Func<ProxyRequest, List<KeyValuePair<string, string>>, bool>? RewriteResponseHeaders { get; set; }

    /// <summary>Added before acting on each request, to simulate a real S3 round trip.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    public long Requests => Interlocked.Read(ref _requests);
    public int Injected(FaultKind kind) => Volatile.Read(ref _injected[(int)kind]);

    /// <summary>Failures of the proxy itself (malformed HTTP, a throwing rule); disconnects are not errors.</summary>
    public IReadOnlyCollection<Exception> Errors => _errors.ToArray();

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // a client gave up while queued; the listener is fine
            }

            var id = Interlocked.Increment(ref _connectionIds);
            var registered = new TaskCompletionSource();
            _connections[id] = Task.Run(async () =>
            {
                await registered.Task;
                try
                {
                    await ServeAsync(client);
                }
                finally
                {
                    _connections.TryRemove(id, out _);
                }
            });
            registered.SetResult();
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var ct = _stopping.Token;
        client.NoDelay = true;
        _sockets.TryAdd(client, 0);
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: false);
            var reader = new HttpWireReader(stream);
            while (await HttpHead.ReadAsync(reader, ct) is { } head)
            {
                var parts = head.StartLine.Split(' ');
                if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"Not an HTTP/1.x request line: '{head.StartLine}'.");
                }

                var request = new ProxyRequest(parts[0], parts[1], head.Headers.ToArray(), Interlocked.Increment(ref _requests));
                var fault = Rule(request) ?? Fault.None;
                if (Latency > TimeSpan.Zero)
                {
                    await Task.Delay(Latency, ct);
                }

                var keepAlive = parts[2] == "HTTP/1.1" ? !head.HasToken("Connection", "close") : head.HasToken("Connection", "keep-alive");
                var again = fault.Kind switch
                {
                    FaultKind.Status => await AnswerAsync(client, stream, reader, head, fault, keepAlive, ct),
                    FaultKind.Reset => Abort(client, fault),
                    FaultKind.Stall => await StallAsync(fault, ct),
                    _ => await ForwardAsync(client, stream, reader, head, request, fault, keepAlive, ct),
                };
                if (!again)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Disconnects, client timeouts, injected resets and shutdown all land here; none is the proxy's failure.
        }
        catch (Exception ex)
        {
            _errors.Enqueue(ex);
        }
        finally
        {
            _sockets.TryRemove(client, out _);
            client.Dispose();
        }
    }

    private bool Abort(Socket client, Fault fault)
    {
        Count(fault.Kind);
        // Linger 0 turns close into an immediate RST, the way a crashed load balancer or server looks to a client.
        client.LingerState = new LingerOption(true, 0);
        client.Close();
        return false;
    }

    private async Task<bool> StallAsync(Fault fault, CancellationToken ct)
    {
        Count(FaultKind.Stall);
        await Task.Delay(fault.Duration, ct);
        return false;
    }

    private void Count(FaultKind kind) => Interlocked.Increment(ref _injected[(int)kind]);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Stop();
        foreach (var socket in _sockets.Keys)
        {
            socket.Dispose();
        }

        var pending = _connections.Values.Append(_accepting).ToArray();
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
