using System.Globalization;
using System.Text;

namespace Respaldo.Tests.Infrastructure;

/// <summary>How an HTTP/1.1 message body ends (RFC 9112 section 6).</summary>
internal enum BodyFraming { None, Length, Chunked, UntilClose }

/// <summary>A request or status line plus headers, kept in order and in their original spelling.</summary>
internal sealed class HttpHead(string startLine, List<KeyValuePair<string, string>> headers)
{
    private const int MaxHeaders = 256;

    public string StartLine { get; set; } = startLine;
    public List<KeyValuePair<string, string>> Headers { get; } = headers;

    public string? Get(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public bool HasToken(string name, string token) => Headers
        .Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase))
        .SelectMany(h => h.Value.Split(','))
        .Any(t => t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase));

    public void Remove(params string[] names) =>
        Headers.RemoveAll(h => names.Any(n => h.Key.Equals(n, StringComparison.OrdinalIgnoreCase)));

    public (BodyFraming Framing, long Length) RequestBody() =>
        HasToken("Transfer-Encoding", "chunked") ? (BodyFraming.Chunked, 0)
        : long.TryParse(Get("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length > 0 ? (BodyFraming.Length, length)
        : (BodyFraming.None, 0);

    public (BodyFraming Framing, long Length) ResponseBody(string requestMethod, int status) =>
        requestMethod == "HEAD" || status is < 200 or 204 or 304 ? (BodyFraming.None, 0)
        : HasToken("Transfer-Encoding", "chunked") ? (BodyFraming.Chunked, 0)
        : long.TryParse(Get("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? (length > 0 ? BodyFraming.Length : BodyFraming.None, length)
        : (BodyFraming.UntilClose, 0);

    // Latin-1 maps every byte to one char and back, so header values (UTF-8 metadata included) pass through unchanged.
    public byte[] ToBytes()
    {
        var text = new StringBuilder(StartLine).Append("\r\n");
        foreach (var (key, value) in Headers)
        {
            text.Append(key).Append(": ").Append(value).Append("\r\n");
        }

        return Encoding.Latin1.GetBytes(text.Append("\r\n").ToString());
    }

    /// <returns>null when the peer closed cleanly before a new message began.</returns>
    public static async Task<HttpHead?> ReadAsync(HttpWireReader reader, CancellationToken ct)
    {
        var startLine = await reader.ReadLineAsync(ct);
        if (startLine is null)
        {
            return null;
        }

        var headers = new List<KeyValuePair<string, string>>();
        while (await reader.ReadLineAsync(ct) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':');
            if (colon <= 0 || headers.Count >= MaxHeaders)
            {
                throw new InvalidDataException($"Malformed header line '{line}' after '{startLine}'.");
            }

            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        return new HttpHead(startLine, headers);
    }
}

/// <summary>Buffered, byte-exact reading of HTTP/1.1 messages from a socket stream.</summary>
internal sealed class HttpWireReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <returns>The line without CRLF; null at end of stream before the line began.</returns>
    public async ValueTask<string?> ReadLineAsync(CancellationToken ct)
    {
        var scanned = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = scanned + newline;
                var line = Encoding.Latin1.GetString(_buffer, _start, length > 0 && _buffer[_start + length - 1] == '\r' ? length - 1 : length);
                _start += length + 1;
                return line;
            }

            scanned = _end - _start;
            if (!await FillAsync(ct))
            {
                return scanned == 0 ? null : throw new EndOfStreamException("Connection closed in the middle of a line.");
            }
        }
    }

    /// <summary>Copies one body to <paramref name="destination"/> exactly as framed on the wire.</summary>
    public async Task CopyBodyAsync(BodyFraming framing, long length, Stream destination, CancellationToken ct)
    {
        switch (framing)
        {
            case BodyFraming.Length:
                await CopyExactlyAsync(length, destination, ct);
                break;
            case BodyFraming.UntilClose:
                do
                {
                    await destination.WriteAsync(_buffer.AsMemory(_start, _end - _start), ct);
                    _start = _end;
                }
                while (await FillAsync(ct));
                break;
            case BodyFraming.Chunked:
                await ReadChunksAsync(destination, framed: true, ct);
                break;
        }
    }

    /// <summary>Reads one request body into memory without its framing; chunked trailers are returned as lines.</summary>
    public async Task<(byte[] Data, List<string> Trailers)> ReadBodyAsync(BodyFraming framing, long length, CancellationToken ct)
    {
        using var data = new MemoryStream();
        var trailers = framing == BodyFraming.Chunked ? await ReadChunksAsync(data, framed: false, ct) : [];
        if (framing == BodyFraming.Length)
        {
            await CopyExactlyAsync(length, data, ct);
        }

        return (data.ToArray(), trailers);
    }

    private async Task<List<string>> ReadChunksAsync(Stream destination, bool framed, CancellationToken ct)
    {
        var trailers = new List<string>();
        while (true)
        {
            var sizeLine = await ReadLineAsync(ct) ?? throw new EndOfStreamException("Connection closed before the last chunk.");
            var hex = sizeLine.Split(';')[0].Trim();
            if (!long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                throw new InvalidDataException($"Bad chunk size line '{sizeLine}'.");
            }

            await WriteLineIfAsync(framed, destination, sizeLine, ct);
            if (size == 0)
            {
                while (await ReadLineAsync(ct) is { Length: > 0 } trailer)
                {
                    trailers.Add(trailer);
                    await WriteLineIfAsync(framed, destination, trailer, ct);
                }

                await WriteLineIfAsync(framed, destination, "", ct);
                return trailers;
            }

            await CopyExactlyAsync(size, destination, ct);
            if (await ReadLineAsync(ct) is not "")
            {
                throw new InvalidDataException("Chunk data was not followed by CRLF.");
            }

            await WriteLineIfAsync(framed, destination, "", ct);
        }
    }

    private static async Task WriteLineIfAsync(bool framed, Stream destination, string line, CancellationToken ct)
    {
        if (framed)
        {
            await destination.WriteAsync(Encoding.Latin1.GetBytes(line + "\r\n"), ct);
        }
    }

    private async Task CopyExactlyAsync(long count, Stream destination, CancellationToken ct)
    {
        while (count > 0)
        {
            if (_start == _end && !await FillAsync(ct))
            {
                throw new EndOfStreamException($"Connection closed with {count} body bytes still expected.");
            }

            var take = (int)Math.Min(count, _end - _start);
            await destination.WriteAsync(_buffer.AsMemory(_start, take), ct);
            _start += take;
            count -= take;
        }
    }

    private async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start == 0)
            {
                throw new InvalidDataException($"A header or chunk line is longer than {_buffer.Length} bytes.");
            }

            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += read;
        return read > 0;
    }
}
