namespace Respaldo.Spool;

/// <summary>
/// The one way Respaldo writes a file durably outside the spool's group commit (the directory destination, restore,
/// the run state, bundle manifests). The guarantee: once <see cref="Write(string, ReadOnlyMemory{byte}, bool)"/> returns,
/// <c>path</c> holds exactly the bytes given and keeps them across a crash or power loss; if it throws or the process
/// dies first, <c>path</c> is as it was (absent, or its old content), never partial.
/// </summary>
/// <remarks>
/// How: the bytes go to a uniquely named temporary file beside the target (<c>.{name}.{random}.tmp</c>, so concurrent
/// writers never share one and <see cref="IsTemporary"/> recognises leftovers), which is fsynced, renamed over the target,
/// and then the folder is fsynced so the rename itself is durable. Folders that had to be created are fsynced into
/// their parents too, up to the first folder that already existed: a new file is only durable if every new folder on
/// its path is. The temporary file is removed in <c>finally</c> on any failure.
/// </remarks>
internal static class DurableFile
{
    private static readonly FileStreamOptions CreateOptions = new()
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        BufferSize = 0,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
    };

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> durably (see the class remarks).</summary>
    /// <param name="overwrite">When false and <paramref name="path"/> exists, throws <see cref="IOException"/> and changes nothing.</param>
    public static void Write(string path, ReadOnlyMemory<byte> bytes, bool overwrite = true) =>
        Write(path, stream => stream.Write(bytes.Span), overwrite); // no copy: a bundle is hundreds of kilobytes

    /// <summary>Like <see cref="Write(string, ReadOnlyMemory{byte}, bool)"/>, with the content produced by <paramref name="write"/> (streamed, for large files).</summary>
    public static void Write(string path, Action<Stream> write, bool overwrite = true)
    {
        path = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(path)!;
        var created = CreateFolders(folder);
        var temp = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..12] + SpoolFolder.TempExtension);
        try
        {
            using (var file = new FileStream(temp, CreateOptions))
            {
                write(file);
                file.Flush(flushToDisk: true); // the data before the name: a crash never leaves a named, empty file
            }
            File.Move(temp, path, overwrite);
        }
        finally
        {
            TryDelete(temp); // gone after a successful rename; removes the leftover after any failure
        }
        NativeFileSystem.SyncDirectory(folder); // the rename itself
        foreach (var newFolder in created)
        {
            NativeFileSystem.SyncDirectory(Path.GetDirectoryName(newFolder)!); // each new folder's own entry
        }
    }

    /// <summary>True for the temporary files <see cref="Write(string, Action{Stream}, bool)"/> uses; a crash can leave one.</summary>
    public static bool IsTemporary(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(SpoolFolder.TempExtension, StringComparison.Ordinal);

    /// <summary>Creates <paramref name="folder"/> and its missing parents (owner-only) and returns those it created, deepest first.</summary>
    public static List<string> CreateFolders(string folder)
    {
        var missing = new List<string>();
        for (var f = folder; !Directory.Exists(f); f = Path.GetDirectoryName(f)!)
        {
            missing.Add(f);
        }
        SpoolFolder.CreatePrivate(folder);
        return missing;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
