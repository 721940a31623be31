using System.Diagnostics;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// An ext4 file system in an image file of its own, attached to a free loop device and mounted on a fresh folder, so
/// a test can copy the "disk" at any instant (what a power cut would leave) and mount such copies with journal
/// replay. Needs root, losetup and mkfs.ext4; <see cref="Unavailable"/> says why not when they are missing.
/// </summary>
internal sealed class LoopDisk : IAsyncDisposable
{
    private readonly TempFolder _folder;
    private readonly string _device;

    private LoopDisk(TempFolder folder, string image, string device, string mountPoint)
    {
        _folder = folder;
        Image = image;
        _device = device;
        Path = mountPoint;
    }

    public string Image { get; }

    /// <summary>Where the file system is mounted.</summary>
    public string Path { get; }

    /// <summary>Why loop-mounted ext4 cannot be used here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (Environment.UserName != "root")
        {
            return "loop devices need root";
        }
        string[] tools = ["/usr/sbin/losetup", "/usr/sbin/mkfs.ext4", "/usr/sbin/e2fsck"];
        var missing = tools.Where(t => !File.Exists(t)).ToArray();
        return missing.Length > 0 ? "missing " + string.Join(", ", missing) : null;
    }

    /// <summary>Makes a fresh ext4 image of <paramref name="megabytes"/> (sparse) and mounts it.</summary>
    public static async Task<LoopDisk> CreateAsync(int megabytes)
    {
        var folder = new TempFolder();
        var image = System.IO.Path.Combine(folder.Path, "disk.img");
        using (var file = File.Create(image))
        {
            file.SetLength(megabytes * 1024L * 1024);
        }
        await RunAsync("/usr/sbin/mkfs.ext4", "-q", "-F", image);
        return await AttachAsync(folder, image);
    }

    /// <summary>Attaches and mounts an image (a copy): the kernel replays its journal, as after a reboot.</summary>
    public static async Task<LoopDisk> MountCopyAsync(string image) => await AttachAsync(new TempFolder(), image);

    private static async Task<LoopDisk> AttachAsync(TempFolder folder, string image)
    {
        // --find picks a free device and attaches in one step, so parallel tests never share one.
        var device = (await RunAsync("/usr/sbin/losetup", "--find", "--show", image)).Trim();
        var mountPoint = folder.Sub("mnt");
        try
        {
            await RunAsync("mount", "-t", "ext4", device, mountPoint);
        }
        catch
        {
            await RunAsync("/usr/sbin/losetup", "-d", device);
            folder.Dispose();
            throw;
        }
        return new LoopDisk(folder, image, device, mountPoint);
    }

    /// <summary>Copies the image as it is now: whatever the file system has not yet written to its device is not in it.</summary>
    public async Task CopyImageAsync(string target) => await RunAsync("cp", "--sparse=always", Image, target);

    /// <summary>Unmounts, detaches and checks the file system; returns e2fsck's exit code (0: clean).</summary>
    public async Task<(int ExitCode, string Output)> UnmountAndCheckAsync()
    {
        await DetachAsync();
        var info = new ProcessStartInfo("/usr/sbin/e2fsck") { ArgumentList = { "-f", "-n", Image } };
        var (code, stdout, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        return (code, stdout + stderr);
    }

    private bool _detached;

    private async Task DetachAsync()
    {
        if (_detached)
        {
            return;
        }
        _detached = true;
        await RunAsync("umount", Path);
        await RunAsync("/usr/sbin/losetup", "-d", _device);
    }

    private static async Task<string> RunAsync(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool);
        args.ToList().ForEach(info.ArgumentList.Add);
        var (code, stdout, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        if (code != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({code}): {stderr}");
        }
        return stdout;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_detached)
        {
            _detached = true;
            // Lazy: a process that still holds a file open there must not keep the mount (and the test) alive.
            var umount = new ProcessStartInfo("umount") { ArgumentList = { "-l", Path } };
            await ServerProcess.RunAsync(umount, TimeSpan.FromSeconds(30));
            var detach = new ProcessStartInfo("/usr/sbin/losetup") { ArgumentList = { "-d", _device } };
            await ServerProcess.RunAsync(detach, TimeSpan.FromSeconds(30));
        }
        _folder.Dispose();
    }
}
