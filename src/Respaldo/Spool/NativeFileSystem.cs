using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Respaldo.Spool;

/// <summary>
/// The two durability calls .NET has no API for: syncing a directory entry and syncing a whole file system.
/// </summary>
internal static partial class NativeFileSystem
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux x86_64 and arm64

    /// <summary>An open descriptor on a directory, used to sync its entries (renames, deletes) or its file system.</summary>
    public sealed class DirectoryHandle : SafeHandle
    {
        public DirectoryHandle() : base(-1, ownsHandle: true) { }
        public override bool IsInvalid => handle == -1;
        protected override bool ReleaseHandle() => NativeFileSystem.Close((int)handle) == 0;
        internal int Fd => (int)handle;
    }

    public static DirectoryHandle OpenDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new DirectoryHandle();
        }
        var fd = Open(path, ORdOnly | ODirectory);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{path}': {new Win32Exception(Marshal.GetLastPInvokeError()).Message}", Marshal.GetLastPInvokeError());
        }
        var handle = new DirectoryHandle();
        Marshal.InitHandle(handle, fd);
        return handle;
    }

    /// <summary>
    /// Flushes every dirty page and metadata change of the file system holding <paramref name="dir"/>: one call
    /// makes a whole batch of new files and their renames durable. Linux 5.8+ reports write-back errors here.
    /// </summary>
    public static void SyncFileSystem(DirectoryHandle dir)
    {
        if (dir.IsInvalid)
        {
            return; // not Linux: development only, no durability claim
        }
        if (SyncFs(dir.Fd) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"syncfs failed: {new Win32Exception(errno).Message}", errno);
        }
    }

    /// <summary>Makes the directory's entries (a rename into it, a delete) durable.</summary>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        using var dir = OpenDirectory(path);
        if (FSync(dir.Fd) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"fsync of directory '{path}' failed: {new Win32Exception(errno).Message}", errno);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);
}
