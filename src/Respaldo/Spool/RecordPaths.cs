using System.Text;

namespace Respaldo.Spool;

/// <summary>
/// The two paths of the record being written, <c>{spool}/.{id}.tmp</c> and <c>{spool}/{id}.json</c>, as NUL-terminated
/// UTF-8 in two buffers the writer thread reuses for every record: the system calls take bytes, so building them as
/// strings (and having the marshaller encode them again) was a third of intake's garbage per request in the
/// allocation profile (bench/RESULTS.md). Names are exactly <see cref="SpoolFolder.TempName"/> and
/// <see cref="RecordId.FileName"/>. One instance per writer thread; not thread-safe.
/// </summary>
internal sealed class RecordPaths
{
    private const int IdLength = 36; // Guid "D" format
    private static ReadOnlySpan<byte> RecordSuffix => ".json\0"u8;
    private static ReadOnlySpan<byte> TempSuffix => ".tmp\0"u8;

    private readonly byte[] _temp;
    private readonly byte[] _final;
    private readonly int _folderLength;

    public RecordPaths(string folder)
    {
        var prefix = Encoding.UTF8.GetBytes(Path.TrimEndingDirectorySeparator(folder) + "/");
        _folderLength = prefix.Length;
        _temp = new byte[_folderLength + 1 + IdLength + TempSuffix.Length];
        _final = new byte[_folderLength + IdLength + RecordSuffix.Length];
        prefix.CopyTo(_temp, 0);
        prefix.CopyTo(_final, 0);
        _temp[_folderLength] = (byte)'.';
        TempSuffix.CopyTo(_temp.AsSpan(_folderLength + 1 + IdLength));
        RecordSuffix.CopyTo(_final.AsSpan(_folderLength + IdLength));
    }

    /// <summary>Points both paths at <paramref name="id"/>'s files.</summary>
    public void Set(Guid id)
    {
        id.TryFormat(_temp.AsSpan(_folderLength + 1, IdLength), out _, "D");
        id.TryFormat(_final.AsSpan(_folderLength, IdLength), out _, "D");
    }

    /// <summary>The temporary file's path, NUL-terminated.</summary>
    public ReadOnlySpan<byte> Temp => _temp;

    /// <summary>The record file's path, NUL-terminated.</summary>
    public ReadOnlySpan<byte> Final => _final;
}
