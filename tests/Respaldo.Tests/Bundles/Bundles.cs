using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Respaldo.Tests.Deployment;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Bundles;

/// <summary>
/// Test-side views of bundles, independent of Respaldo's own code: gunzip with .NET's GZipStream (Respaldo writes its
/// own gzip header around a raw deflate stream), split lines, read ids with JsonDocument; and DuckDB, as users run it.
/// </summary>
internal static class Bundles
{
    public const string Extension = ".ndjson.gz";

    public static List<byte[]> Lines(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        input.CopyTo(buffer);
        var text = buffer.ToArray();
        Assert.True(text.Length > 0 && text[^1] == '\n', "a bundle ends with a newline");
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(text[start..i]);
                start = i + 1;
            }
        }
        return lines;
    }

    public static Guid IdOf(byte[] line)
    {
        using var document = JsonDocument.Parse(line);
        return Guid.Parse(document.RootElement.GetProperty("id").GetString()!);
    }

    /// <summary>
    /// The destination with every bundle expanded into one entry per record, keyed <c>{bundle key}/{id}.json</c>, so the
    /// fault suite's ledger checks bundles like record objects: a record in two bundles shows up as two copies.
    /// </summary>
    public static IReadOnlyDictionary<string, byte[]> Expand(IReadOnlyDictionary<string, byte[]> destination)
    {
        var expanded = new Dictionary<string, byte[]>();
        foreach (var (key, bytes) in destination)
        {
            if (!key.EndsWith(Extension, StringComparison.Ordinal))
            {
                expanded[key] = bytes;
                continue;
            }
            foreach (var line in Lines(bytes))
            {
                Assert.True(expanded.TryAdd($"{key}/{IdOf(line)}.json", line), $"{key} holds one record twice");
            }
        }
        return expanded;
    }

    /// <summary>The hour partition a record belongs in, from the time in its UUIDv7 (computed here, not by Respaldo).</summary>
    public static string Partition(Guid id)
    {
        var ms = long.Parse(id.ToString("N")[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var t = DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture, $"year={t:yyyy}/month={t:MM}/day={t:dd}/hour={t:HH}/");
    }

    /// <summary>
    /// Writes <paramref name="count"/> complete record files straight into a spool folder, spread over
    /// <paramref name="hours"/> UTC hours, with JSON written here by hand; returns each file's bytes by id.
    /// </summary>
    public static Dictionary<Guid, byte[]> Spool(string folder, int count, int hours, DateTimeOffset start)
    {
        Directory.CreateDirectory(folder);
        var files = new Dictionary<Guid, byte[]>();
        for (var i = 0; i < count; i++)
        {
            var at = start.AddHours(i % hours).AddMilliseconds(i);
            var id = Guid.CreateVersion7(at);
            var bytes = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"{{\"id\":\"{id:D}\",\"receivedAt\":\"{at:yyyy-MM-dd'T'HH:mm:ss.fff}+00:00\",\"nombre\":\"Núñez {i}\",\"edad\":{i % 151},\"profesion\":\"Oficio {i % 97}\"}}"));
            File.WriteAllBytes(Path.Combine(folder, $"{id:D}.json"), bytes);
            files[id] = bytes;
        }
        return files;
    }

    /// <summary>Writes a downloaded bucket to a folder, as <c>aws s3 cp --recursive</c> left it.</summary>
    public static void WriteTo(IReadOnlyDictionary<string, byte[]> objects, string folder)
    {
        foreach (var (key, bytes) in objects)
        {
            var path = Path.Combine(folder, key.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
    }

    /// <summary>Runs one query with DuckDB (npm @duckdb/node-api, pinned in tests/duckdb) and returns its rows.</summary>
    public static async Task<JsonElement> DuckDbAsync(string sql, CancellationToken ct)
    {
        var package = Path.Combine(RepoFiles.Root, "tests", "duckdb");
        if (!Directory.Exists(Path.Combine(package, "node_modules", "@duckdb", "node-api")))
        {
            Assert.Skip("DuckDB is not installed: run ./test.sh (it runs npm ci in tests/duckdb).");
        }
        var info = new ProcessStartInfo(ServerProcess.FindExecutable("/usr/bin/node", "node"))
        {
            WorkingDirectory = package,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("query.mjs");
        info.ArgumentList.Add(sql);
        var (code, stdout, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(2), ct);
        Assert.True(code == 0, $"DuckDB failed: {stderr}");
        using var document = JsonDocument.Parse(stdout);
        return document.RootElement.Clone();
    }
}
