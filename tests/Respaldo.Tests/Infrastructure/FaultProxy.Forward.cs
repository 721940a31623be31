using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Respaldo.Tests.Infrastructure;

// Forwarding a request (optionally corrupted, optionally resetting the client afterwards) and answering one locally.
public sealed partial class FaultProxy
{
    private async Task<bool> ForwardAsync(
        Socket client, Stream clientStream, HttpWireReader reader, HttpHead head, ProxyRequest request, Fault fault, bool keepAlive, CancellationToken ct)
    {
        using var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _sockets.TryAdd(upstream, 0);
        try
        {
            try
            {
                await upstream.ConnectAsync(Upstream.Host, Upstream.Port, ct);
            }
            catch (SocketException ex)
            {
                return await RespondAsync(client, clientStream, reader, head, 502, "BadGateway", ex.Message, keepAlive, ct);
            }

            await using var upstreamStream = new NetworkStream(upstream, ownsSocket: false);
            await using var toUpstream = new BufferedStream(upstreamStream, 64 * 1024);

            // We answer 100 Continue ourselves and strip Expect, so the client never waits out its continue timeout
            // and the server never sends an interim response. One upstream connection per request ("Connection:
            // close") spares us detecting servers that silently drop idle connections (moto closes after each one).
            var expectsContinue = head.HasToken("Expect", "100-continue");
            var (framing, length) = head.RequestBody();
            head.Remove("Expect", "Connection", "Keep-Alive", "Proxy-Connection");
            head.Headers.Add(new("Connection", "close"));
            if (expectsContinue)
            {
                await clientStream.WriteAsync(Continue, ct);
            }

            await toUpstream.WriteAsync(head.ToBytes(), ct);
            if (fault.Kind == FaultKind.CorruptBody && framing != BodyFraming.None)
            {
                var (data, trailers) = await reader.ReadBodyAsync(framing, length, ct);
                if (FlipOnePayloadByte(data, head.HasToken("Content-Encoding", "aws-chunked")))
                {
                    Count(FaultKind.CorruptBody);
                }

                await WriteBodyAsync(toUpstream, framing, data, trailers, ct);
            }
            else
            {
                await reader.CopyBodyAsync(framing, length, toUpstream, ct);
            }

            await toUpstream.FlushAsync(ct);

            var fromUpstream = new HttpWireReader(upstreamStream);
            HttpHead response;
            int status;
            do
            {
                response = await HttpHead.ReadAsync(fromUpstream, ct) ?? throw new IOException("The server closed the connection without answering.");
                status = int.Parse(response.StartLine.Split(' ')[1], CultureInfo.InvariantCulture);
            }
            while (status is >= 100 and < 200);

            var (responseFraming, responseLength) = response.ResponseBody(request.Method, status);
            if (RewriteResponseHeaders is { } rewrite && rewrite(request, response.Headers))
            {
                Count(FaultKind.ResponseHeaders);
            }
            if (fault.Kind == FaultKind.ForwardThenReset)
            {
                await fromUpstream.CopyBodyAsync(responseFraming, responseLength, Stream.Null, ct);
                return Abort(client, fault);
            }

            keepAlive &= responseFraming != BodyFraming.UntilClose;
            response.Remove("Connection", "Keep-Alive", "Proxy-Connection");
            if (!keepAlive)
            {
                response.Headers.Add(new("Connection", "close"));
            }

            var toClient = new BufferedStream(clientStream, 64 * 1024); // not disposed: that would close the client stream
            await toClient.WriteAsync(response.ToBytes(), ct);
            await fromUpstream.CopyBodyAsync(responseFraming, responseLength, toClient, ct);
            await toClient.FlushAsync(ct);
            return keepAlive;
        }
        finally
        {
            _sockets.TryRemove(upstream, out _);
        }
    }

    /// <summary>
    /// Flips one byte in the middle of the payload. For aws-chunked bodies that is inside the first chunk's data, so
    /// the server still decodes the framing and stores the altered bytes.
    /// </summary>
    private static bool FlipOnePayloadByte(byte[] data, bool awsChunked)
    {
        long index = data.Length / 2;
        if (awsChunked)
        {
            var lineEnd = data.AsSpan().IndexOf("\r\n"u8);
            var sizeText = lineEnd < 0 ? "" : Encoding.ASCII.GetString(data, 0, lineEnd).Split(';')[0];
            if (!long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                return false;
            }

            index = lineEnd + 2 + size / 2;
        }

        if (data.Length == 0 || index >= data.Length)
        {
            return false;
        }

        data[index] ^= 0x01;
        return true;
    }

    private static async Task WriteBodyAsync(Stream destination, BodyFraming framing, byte[] data, List<string> trailers, CancellationToken ct)
    {
        if (framing == BodyFraming.Chunked)
        {
            var head = data.Length > 0 ? $"{data.Length:X}\r\n" : "";
            await destination.WriteAsync(Encoding.Latin1.GetBytes(head), ct);
            await destination.WriteAsync(data, ct);
            var tail = (data.Length > 0 ? "\r\n" : "") + "0\r\n" + string.Concat(trailers.Select(t => t + "\r\n")) + "\r\n";
            await destination.WriteAsync(Encoding.Latin1.GetBytes(tail), ct);
        }
        else
        {
            await destination.WriteAsync(data, ct);
        }
    }

    private async Task<bool> AnswerAsync(Socket client, Stream stream, HttpWireReader reader, HttpHead head, Fault fault, bool keepAlive, CancellationToken ct)
    {
        Count(FaultKind.Status);
        return await RespondAsync(client, stream, reader, head, fault.StatusCode, fault.ErrorCode, "Injected by FaultProxy.", keepAlive, ct);
    }

    /// <summary>Answers with an S3-style error without forwarding, keeping the connection usable when possible.</summary>
    private async Task<bool> RespondAsync(
        Socket client, Stream stream, HttpWireReader reader, HttpHead head, int status, string code, string message, bool keepAlive, CancellationToken ct)
    {
        var method = head.StartLine.Split(' ')[0];
        var (framing, length) = head.RequestBody();
        // A client waiting for 100 Continue has not sent its body: answer now and close instead of reading it.
        var expectsContinue = head.HasToken("Expect", "100-continue") && framing != BodyFraming.None;
        if (expectsContinue)
        {
            keepAlive = false;
        }
        else
        {
            await reader.CopyBodyAsync(framing, length, Stream.Null, ct);
        }

        var body = Encoding.UTF8.GetBytes(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>faultproxy-{Requests}</RequestId></Error>");
        var text = $"HTTP/1.1 {status} {(HttpStatusCode)status}\r\nContent-Type: application/xml\r\nContent-Length: {body.Length}\r\n" +
                   $"x-amz-request-id: faultproxy-{Requests}\r\nDate: {DateTime.UtcNow:R}\r\n{(keepAlive ? "" : "Connection: close\r\n")}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), ct);
        if (method != "HEAD")
        {
            await stream.WriteAsync(body, ct);
        }

        if (!keepAlive)
        {
            // Closing with unread input makes the kernel send RST, which can destroy the answer before the client
            // reads it; so stop sending, and discard whatever the client still sends until it closes.
            client.Shutdown(SocketShutdown.Send);
            using var linger = CancellationTokenSource.CreateLinkedTokenSource(ct);
            linger.CancelAfter(TimeSpan.FromSeconds(5));
            var discard = new byte[16 * 1024];
            while (await stream.ReadAsync(discard, linger.Token) > 0)
            {
            }
        }

        return keepAlive;
    }
}
