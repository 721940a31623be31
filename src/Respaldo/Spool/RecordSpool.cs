using System.IO.Enumeration;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Respaldo.Spool;

/// <summary>The spool folder: durable writes through the group-commit writer, reads, listing, removal and quarantine.</summary>
/// <remarks>
/// The writer is lazy: it creates the spool folder and starts its threads, which verbs that never write
/// (<c>status</c>) must not do. The service starts it at start-up (<see cref="SpoolOwner"/>).
/// </remarks>
internal sealed class RecordSpool(IOptions<SpoolOptions> options, Lazy<SpoolWriter> writer, SpoolIndex index, TimeProvider time)
{
    private readonly SpoolOptions _options = options.Value;

    /// <summary>The spool folder's full path, resolved once against the working directory at start.</summary>
    public string Directory { get; } = options.Value.FullPath;

    /// <summary>Returns once the record is durable on disk as <c>{id}.json</c>.</summary>
    public async Task<Receipt> WriteAsync(string nombre, int edad, string profesion, string? idempotencyKey = null, string? idempotencyScope = null)
    {
        if (_options.MaxBytes > 0 && index.Bytes >= _options.MaxBytes)
        {
            throw new SpoolFullException($"The spool quota (Storage:MaxBytes = {_options.MaxBytes}) is used up.");
        }
        // Millisecond precision, so that the time inside the UUIDv7 id and the stored receipt time agree.
        var now = time.GetUtcNow();
        var receivedAt = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        var id = RecordId.New(receivedAt);
        var record = new StoredRecord(id, receivedAt, nombre, edad, profesion, idempotencyKey, idempotencyScope);
        await writer.Value.WriteAsync(id, RecordJson.Serialize(record));
        return new Receipt(id, RecordId.FileName(id), receivedAt);
    }

    /// <summary>The file's bytes when the record is still spooled and complete; null otherwise.</summary>
    public byte[]? TryRead(Guid id)
    {
        try
        {
            var bytes = File.ReadAllBytes(PathOf(id));
            return RecordJson.TryParseFile(bytes, id) is null ? null : bytes;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The complete record files present now, oldest first. Temporary files are never listed, and neither are files
    /// the writer has renamed into place but not yet acknowledged: until their sync returns they may still be taken
    /// back (a failed sync answers 503 and removes them), so a backup must not upload them and delete them first.
    /// </summary>
    public PendingFiles ListPending()
    {
        // Sized from a first, cheap pass over the names (no stat, no strings): a list grown by doubling would leave
        // a large-object-heap array behind at every step, about as much memory again as the listing itself at a
        // million files. Files written meanwhile only add a little growth.
        var folder = Directory;
        var expected = CountRecordNames(folder);
        var ids = new List<Guid>(expected + expected / 64 + 16);
        var lengths = new List<long>(ids.Capacity);
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*" + RecordId.Extension))
        {
            if (!RecordId.TryParseFileName(file.Name, out var id) || (writer.IsValueCreated && writer.Value.IsInFlight(id)))
            {
                continue;
            }
            long length;
            try
            {
                length = file.Length; // a stat after the folder was read
            }
            catch (FileNotFoundException)
            {
                continue; // deleted since the folder was read (backed up meanwhile): not pending any more
            }
            ids.Add(id);
            lengths.Add(length);
        }
        // Sorted in place (no copies of a million-entry list). Guid order is the id text's order: for UUIDv7, creation order.
        CollectionsMarshal.AsSpan(ids).Sort(CollectionsMarshal.AsSpan(lengths));
        return new PendingFiles(folder, ids, lengths);
    }

    private static int CountRecordNames(string folder)
    {
        var names = new FileSystemEnumerable<bool>(folder, static (ref FileSystemEntry _) => true)
        {
            ShouldIncludePredicate = static (ref FileSystemEntry entry) =>
                !entry.IsDirectory && entry.FileName.EndsWith(RecordId.Extension, StringComparison.Ordinal),
        };
        var count = 0;
        foreach (var _ in names)
        {
            count++;
        }
        return count;
    }

    public void Delete(SpooledFile file)
    {
        File.Delete(file.Path);
        index.Remove(file.Id);
    }

    /// <summary>Whether the folder exists; verbs that only read report a missing (mistyped) folder instead of creating it.</summary>
    public bool Exists => System.IO.Directory.Exists(Directory);

    /// <summary>Moves a file that is not a complete record out of the way, keeping it for a person to inspect.</summary>
    public string Quarantine(string path)
    {
        SpoolFolder.CreatePrivate(_options.QuarantinePath);
        var target = Path.Combine(_options.QuarantinePath, Path.GetFileName(path));
        File.Move(path, target, overwrite: true);
        if (RecordId.TryParseFileName(Path.GetFileName(path), out var id))
        {
            index.Remove(id);
        }
        return target;
    }

    /// <summary>Re-reads the folder into the in-memory backlog figures.</summary>
    public void Rescan() => index.Rescan(() => ListPending().Select(f => (f.Id, f.Length)), time.GetUtcNow());

    private string PathOf(Guid id) => Path.Combine(Directory, RecordId.FileName(id));
}

/// <summary>
/// The pending files of a listing, oldest first, held as two lists of values (24 bytes a file), not one object per file:
/// a run over a million files must not hold a million objects. Each <see cref="SpooledFile"/> is made when it is read,
/// so a run holds the objects of the units it is working on and no more.
/// </summary>
internal sealed class PendingFiles(string folder, List<Guid> ids, List<long> lengths) : IReadOnlyList<SpooledFile>
{
    public int Count => ids.Count;

    public SpooledFile this[int index] => new(ids[index], folder, lengths[index]);

    public IEnumerator<SpooledFile> GetEnumerator()
    {
        for (var i = 0; i < ids.Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A record file in the spool. The folder's path is shared, not copied per file: a run lists every file.</summary>
internal sealed record SpooledFile(Guid Id, string Folder, long Length)
{
    public string Path => System.IO.Path.Combine(Folder, RecordId.FileName(Id));
}
