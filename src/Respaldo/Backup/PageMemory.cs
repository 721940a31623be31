using System.Runtime.InteropServices;

namespace Respaldo.Backup;

/// <summary>
/// Memory mapped straight from the kernel for bundles held by the read-back cache, and unmapped when they are dropped.
/// Unlike <c>malloc</c>, whose threshold for mapping rises after the first large block is freed (so later blocks come
/// from its heap, which keeps freed pages resident), <c>munmap</c> returns every page at once: the cache's bound is then
/// what the process holds. Linux only, like the spool's <c>syncfs</c>.
/// </summary>
internal static unsafe partial class PageMemory
{
    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20;

    /// <summary>At least <paramref name="bytes"/> bytes of zeroed memory (one page for 0).</summary>
    public static byte* Allocate(long bytes)
    {
        var address = Mmap(null, (nuint)Math.Max(bytes, 1), ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        return address == (void*)-1 ? throw new OutOfMemoryException($"mmap of {bytes} bytes failed (errno {Marshal.GetLastPInvokeError()}).") : (byte*)address;
    }

    /// <summary>What <see cref="Allocate"/> really maps for <paramref name="bytes"/>: whole pages.</summary>
    public static long Rounded(long bytes) => (Math.Max(bytes, 1) + Environment.SystemPageSize - 1) / Environment.SystemPageSize * Environment.SystemPageSize;

    public static void Free(byte* address, long bytes)
    {
        if (address is not null)
        {
            _ = Munmap(address, (nuint)Math.Max(bytes, 1));
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);
}
