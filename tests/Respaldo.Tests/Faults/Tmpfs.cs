using System.Diagnostics;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// A small tmpfs mounted on a fresh folder, so a test can really fill a disk (ENOSPC) or make it read-only (EROFS).
/// Needs root (CI runs as root); <see cref="TryMountAsync"/> returns null where mounting is not permitted.
/// </summary>
internal sealed class Tmpfs : IAsyncDisposable
{
    private readonly TempFolder _folder;

    private Tmpfs(TempFolder folder) => _folder = folder;

    public string Path => _folder.Path;

    public static async Task<Tmpfs?> TryMountAsync(string size)
    {
        var folder = new TempFolder();
        var (code, _, stderr) = await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", folder.Path);
        if (code == 0)
        {
            return new Tmpfs(folder);
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"[faults] mounting a tmpfs was not permitted ({stderr.Trim()})");
        folder.Dispose();
        return null;
    }

    private const int NoSpace = 28; // ENOSPC

    /// <summary>Writes a filler file until the file system reports ENOSPC; returns its path (delete it to free the space).</summary>
    public string Fill(string name = "filler.bin")
    {
        var path = System.IO.Path.Combine(Path, name);
        var block = new byte[4096];
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException e) when (e.HResult == NoSpace || e.Message.Contains("No space left", StringComparison.Ordinal))
        {
            // Full: the fault is in place. Any other error propagates, so a fill that did not happen is never counted.
        }
        return path;
    }

    public async Task RemountAsync(bool readOnly)
    {
        var (code, _, stderr) = await RunAsync("mount", "-o", readOnly ? "remount,ro" : "remount,rw", Path);
        Assert.True(code == 0, $"remount {(readOnly ? "ro" : "rw")} failed: {stderr}");
    }

    private static Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return ServerProcess.RunAsync(info, TimeSpan.FromSeconds(20));
    }

    public async ValueTask DisposeAsync()
    {
        // Lazy: a process that still holds a file open there must not keep the mount (and the test) alive.
        await RunAsync("umount", "-l", Path);
        _folder.Dispose();
    }
}
