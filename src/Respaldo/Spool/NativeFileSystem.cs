using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Respaldo.Spool;

/// <summary>
/// The durability calls .NET has no API for (syncing a directory entry, syncing a whole file system), and the
/// record writer's create and rename as single system calls.
/// </summary>
internal static partial class NativeFileSystem
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux x86_64 and arm64
    private const int OWrOnly = 0x1;
    private const int OCreat = 0x40;
    private const int OExcl = 0x80;
    private const int OCloExec = 0x80000;
    private const int OwnerReadWrite = 0x180; // 0600: records hold personal data
    private const int EIntr = 4;
    private const int EInval = 22;
    private const int AtFdCwd = -100;
    private const uint RenameNoReplace = 1;

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

    /// <summary>
    /// Creates a file that must not exist yet (mode 0600) and writes <paramref name="content"/> to it: open, write,
    /// close and nothing else. FileStream also takes and releases an advisory lock and stats the file, which on the
    /// group-commit writer's hot path cost about a quarter of its time per record.
    /// </summary>
    /// <param name="path">The path in UTF-8, ending in a NUL byte: the writer builds it in a reused buffer, so a
    /// record's two paths cost no strings (<see cref="RecordPaths"/>).</param>
    public static void WriteNewFile(ReadOnlySpan<byte> path, ReadOnlySpan<byte> content)
    {
        var fd = Open(path, OWrOnly | OCreat | OExcl | OCloExec, OwnerReadWrite);
        if (fd < 0)
        {
            throw ErrnoException("open", path);
        }
        try
        {
            while (!content.IsEmpty)
            {
                var written = Write(fd, content);
                if (written < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EIntr)
                    {
                        continue;
                    }
                    throw new IOException($"write to '{Text(path)}' failed: {new Win32Exception(errno).Message}", errno);
                }
                content = content[(int)written..];
            }
        }
        finally
        {
            // close can report a deferred write error (NFS, quota); the sync that follows would report it too.
            if (Close(fd) != 0 && content.IsEmpty)
            {
                throw ErrnoException("close", path);
            }
        }
    }

    /// <summary>
    /// Renames <paramref name="from"/> to <paramref name="to"/>, which must not exist, in one system call. File.Move
    /// stats both names first and, when the rename fails, quietly falls back to link and unlink: a failing rename
    /// must fail the record instead, and the writer's hot path needs no extra calls. Paths as in <see cref="WriteNewFile"/>.
    /// </summary>
    public static void RenameNoOverwrite(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        if (!OperatingSystem.IsLinux())
        {
            File.Move(Text(from), Text(to), overwrite: false);
            return;
        }
        if (RenameAt2(AtFdCwd, from, AtFdCwd, to, RenameNoReplace) == 0)
        {
            return;
        }
        if (Marshal.GetLastPInvokeError() != EInval)
        {
            throw ErrnoException("rename", from);
        }
        // A file system without RENAME_NOREPLACE: a plain rename. The target is named by a fresh UUIDv7 (74 random
        // bits), so it cannot exist.
        if (Rename(from, to) != 0)
        {
            throw ErrnoException("rename", from);
        }
    }

    /// <summary>A NUL-terminated UTF-8 path as text, for messages and the rare calls that take a string.</summary>
    public static string Text(ReadOnlySpan<byte> path) => System.Text.Encoding.UTF8.GetString(path.IndexOf((byte)0) is >= 0 and var end ? path[..end] : path);

    private static IOException ErrnoException(string call, ReadOnlySpan<byte> path) => ErrnoException(call, Text(path));

    private static IOException ErrnoException(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} of '{path}' failed: {new Win32Exception(errno).Message}", errno);
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

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int Open(ReadOnlySpan<byte> path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, ReadOnlySpan<byte> buffer, nint count);

    private static nint Write(int fd, ReadOnlySpan<byte> buffer) => Write(fd, buffer, buffer.Length);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static partial int RenameAt2(int fromDir, ReadOnlySpan<byte> from, int toDir, ReadOnlySpan<byte> to, uint flags);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static partial int Rename(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);
}
