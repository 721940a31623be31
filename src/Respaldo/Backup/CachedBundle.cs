using System.Text.Json;

namespace Respaldo.Backup;

/// <summary>
/// One bundle unpacked for read-back, held compactly: its NDJSON in one block of exactly its size, a sorted array of
/// the record ids and, beside it, where each record's line starts and how long it is. 24 bytes per record beyond the
/// record's own bytes, against about 100 for a dictionary of memory slices. <see cref="Bytes"/> is what the cache
/// counts, so that its bound is what the process really holds.
/// <para>
/// Both blocks are mapped pages (<see cref="PageMemory"/>, counted whole), unmapped the moment the cache drops the
/// bundle (<see cref="Dispose"/>): managed arrays of this size live on the large object heap, which is collected only
/// with generation 2, so a stream of cold reads left the memory of evicted bundles resident long after the cache let go
/// of it (see bench/RESULTS.md, read-back). The owner serialises <see cref="Find"/> and <see cref="Dispose"/> (the cache does
/// both under its lock); a bundle nobody disposes is freed by its finalizer.
/// </para>
/// </summary>
internal sealed unsafe class CachedBundle : IDisposable
{
    /// <summary>Per record: a 16-byte id and an 8-byte line position.</summary>
    public const int IndexBytesPerRecord = 16 + sizeof(long);

    /// <summary>Object headers, the key text and the cache's own bookkeeping for the entry.</summary>
    private const int FixedOverhead = 512;

    private readonly int _length;
    private byte* _ndjson;
    private byte* _index; // Count ids, then Count line positions (start << 32 | length), in id order

    private CachedBundle(string key, byte* ndjson, int length, byte* index, int count)
    {
        Key = key;
        _length = length;
        _ndjson = ndjson;
        _index = index;
        Count = count;
        Bytes = PageMemory.Rounded(length) + PageMemory.Rounded((long)count * IndexBytesPerRecord) + key.Length * sizeof(char) + FixedOverhead;
        GC.AddMemoryPressure(Bytes);
    }

    ~CachedBundle() => Free();

    public string Key { get; }

    public int Count { get; }

    /// <summary>What holding this bundle costs: its decompressed records plus the index, as counted by the cache.</summary>
    public long Bytes { get; }

    public bool IsDisposed => _ndjson is null;

    private Span<Guid> Ids => new(_index, Count);

    private Span<long> Lines => new(_index + (long)Count * sizeof(Guid), Count);

    /// <summary>The record's exact file bytes (a copy: the caller may keep it after the bundle is freed), or null.</summary>
    public byte[]? Find(Guid id)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var i = Ids.BinarySearch(id);
        var bytes = i < 0 ? null : new ReadOnlySpan<byte>(_ndjson + (Lines[i] >> 32), (int)(Lines[i] & 0xFFFFFFFF)).ToArray();
        GC.KeepAlive(this); // the finalizer must not free the blocks while they are being read
        return bytes;
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_ndjson is null)
        {
            return;
        }
        PageMemory.Free(_ndjson, _length);
        PageMemory.Free(_index, (long)Count * IndexBytesPerRecord);
        _ndjson = _index = null;
        GC.RemoveMemoryPressure(Bytes);
    }

    /// <summary>Decompresses and indexes a bundle's verified gzip bytes.</summary>
    /// <exception cref="BackupException">Not a gzip NDJSON bundle of records with ids.</exception>
    public static CachedBundle Decode(string key, byte[] gzip)
    {
        var length = BundleInflate.Length(key, gzip);
        var ndjson = PageMemory.Allocate(length);
        byte* index = null;
        var count = 0;
        try
        {
            var text = new Span<byte>(ndjson, length);
            BundleInflate.Decompress(key, gzip, text);
            count = text.Count((byte)'\n');
            if (length > 0 && text[^1] != '\n')
            {
                throw new BackupException(ErrorKind.Corrupt, $"{key} ends in the middle of a line.");
            }
            index = PageMemory.Allocate((long)count * IndexBytesPerRecord);
            var ids = new Span<Guid>(index, count);
            var lines = new Span<long>(index + (long)count * sizeof(Guid), count);
            var start = 0;
            for (var i = 0; i < count; i++)
            {
                var end = text[start..].IndexOf((byte)'\n');
                ids[i] = IdOf(text.Slice(start, end))
                    ?? throw new BackupException(ErrorKind.Corrupt, $"{key} holds a line that is not a record with an id.");
                lines[i] = (long)start << 32 | (uint)end;
                start += end + 1;
            }
            // Lines are in id order already (a bundle is packed in id order), but the search must not depend on how a
            // bundle was written; sorting sorted input is cheap.
            ids.Sort(lines);
            return new CachedBundle(key, ndjson, length, index, count);
        }
        catch
        {
            PageMemory.Free(ndjson, length);
            PageMemory.Free(index, (long)count * IndexBytesPerRecord);
            throw;
        }
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
