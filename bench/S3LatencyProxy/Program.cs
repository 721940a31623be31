using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Respaldo.Bench.S3LatencyProxy;
using Respaldo.Tests.Infrastructure;

// Usage: S3LatencyProxy --target http://127.0.0.1:P [--port Q] [--latency-ms 20]
// Forwards every request to the S3 server at --target after waiting --latency-ms, like a real S3 round trip, so a
// benchmark shows how well a client hides latency rather than how fast the loopback server is. Runs until SIGTERM/Ctrl+C.
if (Arguments.Parse(args) is not { } options)
{
    Console.Error.WriteLine("usage: S3LatencyProxy --target http://127.0.0.1:PORT [--port PORT] [--latency-ms 20]");
    return 2;
}

await using var proxy = new FaultProxy(options.Target) { Latency = TimeSpan.FromMilliseconds(options.LatencyMs) };
using var stopping = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

// FaultProxy picks its own free port; a requested port is relayed to it byte for byte.
using var listener = options.Port is { } port ? new TcpListener(IPAddress.Loopback, port) : null;
listener?.Start(backlog: 512);
var endpoint = listener is null ? proxy.Endpoint : new Uri($"http://127.0.0.1:{options.Port}");
var relay = listener is null ? Task.CompletedTask : TcpRelay.RunAsync(listener, proxy.Endpoint, stopping.Token);

Console.WriteLine($"Listening on {endpoint} -> {options.Target} (+{options.LatencyMs} ms per request)");
try
{
    await Task.Delay(Timeout.Infinite, stopping.Token);
}
catch (OperationCanceledException)
{
}

listener?.Stop();
await relay;
Console.WriteLine($"Forwarded {proxy.Requests} requests; proxy errors: {proxy.Errors.Count}");
foreach (var error in proxy.Errors.Take(5))
{
    Console.WriteLine(error.Message);
}
return proxy.Errors.Count == 0 ? 0 : 1;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopping.Cancel();
}

namespace Respaldo.Bench.S3LatencyProxy
{
    internal sealed record Arguments(Uri Target, int? Port, double LatencyMs)
    {
        public static Arguments? Parse(string[] args)
        {
            Uri? target = null;
            int? port = null;
            double latency = 20;
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                switch (args[i])
                {
                    case "--target" when Uri.TryCreate(args[i + 1], UriKind.Absolute, out var uri):
                        target = uri;
                        break;
                    case "--port" when int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535:
                        port = p == 0 ? null : p;
                        break;
                    case "--latency-ms" when double.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var ms) && ms >= 0:
                        latency = ms;
                        break;
                    default:
                        return null;
                }
            }

            return args.Length % 2 == 0 && target is not null ? new Arguments(target, port, latency) : null;
        }
    }
}
