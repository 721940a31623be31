using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;

namespace Respaldo.Backup;

/// <summary>
/// One bundle unpacked for read-back, held compactly: its NDJSON in one array of exactly its size, a sorted array of
/// the record ids and, beside it, where each record's line starts and how long it is. 24 bytes per record beyond the
/// record's own bytes, against about 100 for a dictionary of memory slices, and only three objects for the GC to trace.
/// <see cref="Bytes"/> is what the cache counts, so that its bound is what the process really holds.
/// </summary>
internal sealed class CachedBundle
{
    /// <summary>Per record: a 16-byte id and an 8-byte line position.</summary>
    public const int IndexBytesPerRecord = 16 + sizeof(long);

    /// <summary>Object headers, array headers, the key text and the cache's own bookkeeping for the entry.</summary>
    private const int FixedOverhead = 512;

    private readonly byte[] _ndjson;
    private readonly Guid[] _ids;
    private readonly long[] _lines; // start << 32 | length, in the order of _ids

    private CachedBundle(string key, byte[] ndjson, Guid[] ids, long[] lines)
    {
        Key = key;
        _ndjson = ndjson;
        _ids = ids;
        _lines = lines;
        Bytes = ndjson.LongLength + (long)ids.Length * IndexBytesPerRecord + key.Length * sizeof(char) + FixedOverhead;
    }

    public string Key { get; }

    public int Count => _ids.Length;

    /// <summary>What holding this bundle costs: its decompressed records plus the index, as counted by the cache.</summary>
    public long Bytes { get; }

    /// <summary>The record's exact file bytes (a copy: the caller may keep it after the bundle is evicted), or null.</summary>
    public byte[]? Find(Guid id)
    {
        var i = Array.BinarySearch(_ids, id);
        if (i < 0)
        {
            return null;
        }
        var line = _lines[i];
        return _ndjson.AsSpan((int)(line >> 32), (int)(line & 0xFFFFFFFF)).ToArray();
    }

    /// <summary>Decompresses and indexes a bundle's verified gzip bytes.</summary>
    /// <exception cref="BackupException">Not a gzip NDJSON bundle of records with ids.</exception>
    public static CachedBundle Decode(string key, byte[] gzip)
    {
        var ndjson = Decompress(key, gzip);
        // The gzip is no longer needed: only the caller's reference keeps it, and it drops it as soon as this returns.
        var count = ndjson.AsSpan().Count((byte)'\n');
        if (ndjson.Length > 0 && ndjson[^1] != '\n')
        {
            throw new BackupException(ErrorKind.Corrupt, $"{key} ends in the middle of a line.");
        }
        var ids = new Guid[count];
        var lines = new long[count];
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var length = ndjson.AsSpan(start).IndexOf((byte)'\n');
            ids[i] = IdOf(ndjson.AsSpan(start, length))
                ?? throw new BackupException(ErrorKind.Corrupt, $"{key} holds a line that is not a record with an id.");
            lines[i] = (long)start << 32 | (uint)length;
            start += length + 1;
        }
        // Lines are in id order already (a bundle is packed in id order), but the search must not depend on how a
        // bundle was written; sorting sorted input is cheap.
        Array.Sort(ids, lines);
        return new CachedBundle(key, ndjson, ids, lines);
    }

    /// <summary>
    /// Inflates straight into one array of the size the gzip trailer gives (ISIZE, RFC 1952), instead of growing a
    /// stream and copying it: a cold read then briefly holds the gzip and the records once, not three times over.
    /// </summary>
    private static byte[] Decompress(string key, byte[] gzip)
    {
        if (gzip.Length < 18)
        {
            throw new BackupException(ErrorKind.Corrupt, $"{key} is too short to be a gzip bundle.");
        }
        var size = BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4));
        if (size > Array.MaxLength)
        {
            throw new BackupException(ErrorKind.Corrupt, $"{key} says it holds {size} bytes, more than read-back can hold.");
        }
        var ndjson = GC.AllocateUninitializedArray<byte>((int)size);
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
        return ndjson;
    }

    /// <summary>
    /// The id of one NDJSON line: a JSON object with a string property <c>id</c>, read without materialising the rest.
    /// The bundle's bytes were checked against its stored SHA-256 and were complete records when they were packed.
    /// </summary>
    private static Guid? IdOf(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        Guid? id = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                reader.Read();
                if (isId)
                {
                    if (reader.TokenType != JsonTokenType.String || !reader.TryGetGuid(out var value))
                    {
                        return null;
                    }
                    id = value;
                }
                else
                {
                    reader.Skip();
                }
            }
            // The object must close and nothing but white space may follow it.
            return reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
