// Where a cold read-back's local time goes, for one stored bundle (issue 12: are byte ranges or a sidecar index worth
// it?). Run: dotnet run bench/tools/decode-cost.cs -- BUNDLE.ndjson.gz [ROUNDS]. Mirrors what Respaldo does per cold
// read (Backup/CachedBundle.cs): SHA-256 of the download, inflate into an exact-size buffer, read each line's id.
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

var gzip = File.ReadAllBytes(args[0]);
var rounds = args.Length > 1 ? int.Parse(args[1]) : 30;
var times = new List<(double Sha, double Inflate, double Index)>();
for (var r = 0; r < rounds; r++)
{
    var t = Stopwatch.StartNew();
    SHA256.HashData(gzip);
    var sha = t.Elapsed.TotalMilliseconds;
    t.Restart();
    var ndjson = new byte[BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4))];
    using (var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress))
    {
        input.ReadExactly(ndjson);
    }
    var inflate = t.Elapsed.TotalMilliseconds;
    t.Restart();
    var ids = 0;
    for (var rest = ndjson.AsSpan(); !rest.IsEmpty;)
    {
        var end = rest.IndexOf((byte)'\n');
        var reader = new Utf8JsonReader(rest[..end]);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isId = reader.ValueTextEquals("id"u8);
            reader.Read();
            if (isId && reader.TryGetGuid(out _)) ids++;
            else reader.Skip();
        }
        rest = rest[(end + 1)..];
    }
    times.Add((sha, inflate, t.Elapsed.TotalMilliseconds));
}
double Median(IEnumerable<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }
Console.WriteLine($"{{\"gzip_bytes\":{gzip.Length},\"ndjson_bytes\":{BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4))},\"rounds\":{rounds}," +
    $"\"sha256_ms\":{Median(times.Select(x => x.Sha)):F2},\"inflate_ms\":{Median(times.Select(x => x.Inflate)):F2},\"index_ms\":{Median(times.Select(x => x.Index)):F2}}}");
