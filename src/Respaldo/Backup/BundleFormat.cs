using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// A bundle's bytes: gzip (RFC 1952) around NDJSON, one line per record holding exactly the record file's bytes
/// followed by <c>\n</c>. The output is a function of the input alone, so a run resumed after a crash uploads the
/// same object again: the gzip header is written here with a fixed modification time (0), no file name, and a fixed
/// OS byte (255, unknown), and the deflate stream uses a fixed compression level. Any gzip reader (zcat, DuckDB,
/// Athena, Spark) reads it.
/// </summary>
internal sealed class BundleWriter : IDisposable
{
    /// <summary>zlib's default level: most of the gain of level 9 at a fraction of its time on small JSON lines.</summary>
    public const int CompressionLevel = 6;

    // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255
    private static readonly byte[] Header = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    private static readonly byte[] NewLine = [(byte)'\n'];

    private readonly MemoryStream _output;
    private readonly DeflateStream _deflate;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private uint _crc = Crc32.Initial;
    private long _length;

    /// <param name="expectedBytes">
    /// The record bytes about to be appended, when known: the output buffer starts at a size that usually holds the
    /// whole bundle (JSON records compress about 6:1 here), so it is not grown by doubling, which leaves a large-object
    /// heap array behind at every step.
    /// </param>
    public BundleWriter(long expectedBytes = 0)
    {
        _output = new MemoryStream((int)Math.Clamp(expectedBytes / 4 + 4096, 4096, Array.MaxLength));
        _output.Write(Header);
        _deflate = new DeflateStream(_output, new ZLibCompressionOptions { CompressionLevel = CompressionLevel }, leaveOpen: true);
    }

    public void Append(ReadOnlySpan<byte> record)
    {
        Write(record);
        Write(NewLine);
    }

    /// <returns>The gzip bytes (the writer's own buffer, not a copy), the SHA-256 of the NDJSON inside, and the NDJSON's length.</returns>
    public (ReadOnlyMemory<byte> Gzip, byte[] NdjsonSha256, long NdjsonBytes) Finish()
    {
        _deflate.Dispose();
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32.Finish(_crc));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], unchecked((uint)_length));
        _output.Write(trailer);
        return (_output.GetBuffer().AsMemory(0, (int)_output.Length), _sha256.GetHashAndReset(), _length);
    }

    public void Dispose()
    {
        _deflate.Dispose();
        _sha256.Dispose();
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _deflate.Write(bytes);
        _sha256.AppendData(bytes);
        _crc = Crc32.Append(_crc, bytes);
        _length += bytes.Length;
    }

    /// <summary>The records a bundle holds, each as its exact file bytes (slices of one decompressed buffer).</summary>
    /// <exception cref="BackupException">Not a gzip NDJSON bundle of complete records.</exception>
    public static (List<(Guid Id, ReadOnlyMemory<byte> Bytes)> Records, byte[] NdjsonSha256) Unpack(byte[] gzip, string key)
    {
        var ndjson = new byte[BundleInflate.Length(key, gzip)];
        BundleInflate.Decompress(key, gzip, ndjson);
        var records = new List<(Guid, ReadOnlyMemory<byte>)>();
        var rest = ndjson.AsMemory();
        while (!rest.IsEmpty)
        {
            var end = rest.Span.IndexOf((byte)'\n');
            if (end < 0)
            {
                throw new BackupException(ErrorKind.Corrupt, $"{key} ends in the middle of a line.");
            }
            var line = rest[..end];
            var id = RecordJson.TryParse(line.Span)?.Id
                ?? throw new BackupException(ErrorKind.Corrupt, $"{key} holds a line that is not a complete record.");
            records.Add((id, line));
            rest = rest[(end + 1)..];
        }
        return (records, SHA256.HashData(ndjson));
    }
}

/// <summary>Inflating a bundle into a buffer of exactly its size, for read-back (<see cref="CachedBundle"/>) and restore.</summary>
internal static class BundleInflate
{
    /// <summary>The NDJSON's length from the gzip trailer (ISIZE, RFC 1952), checked while inflating.</summary>
    public static int Length(string key, byte[] gzip)
    {
        if (gzip.Length < 18)
        {
            throw new BackupException(ErrorKind.Corrupt, $"{key} is too short to be a gzip bundle.");
        }
        var size = BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4));
        return size <= Array.MaxLength ? (int)size
            : throw new BackupException(ErrorKind.Corrupt, $"{key} says it holds {size} bytes, more than read-back can hold.");
    }

    /// <summary>
    /// Inflates straight into a block of the size the gzip trailer gives, instead of growing a stream and copying it:
    /// a cold read or a restore then briefly holds the gzip and the records once, not three times over.
    /// </summary>
    public static void Decompress(string key, byte[] gzip, Span<byte> ndjson)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(gzip, writable: false), CompressionMode.Decompress);
            input.ReadExactly(ndjson);
            // ISIZE is the length modulo 2^32 of the last gzip member only: anything after it means it was not ours.
            if (input.ReadByte() >= 0)
            {
                throw new BackupException(ErrorKind.Corrupt, $"{key} holds more than its gzip trailer says.");
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new BackupException(ErrorKind.Corrupt, $"{key} is not a valid gzip bundle: {e.Message}", e);
        }
    }
}

/// <summary>CRC-32 (IEEE 802.3, as gzip uses), table-driven; kept here so the bundle format needs no extra package.</summary>
internal static class Crc32
{
    public const uint Initial = 0xFFFFFFFF;
    private static readonly uint[] Table = CreateTable();

    public static uint Append(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc;
    }

    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFF;

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
