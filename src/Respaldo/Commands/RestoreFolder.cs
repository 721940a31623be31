namespace Respaldo.Commands;

/// <summary>
/// Whether <c>restore --into</c> names a folder this user can create or write, checked without creating anything:
/// the folder itself when it exists, else its nearest existing parent, proven by creating and removing a probe file
/// (permission bits, ACLs, read-only mounts and sandboxes all answer the same way).
/// </summary>
internal static class RestoreFolder
{
    /// <summary>Null when the restore can write <paramref name="folder"/>; otherwise one sentence naming it, the user and what to do.</summary>
    public static string? Problem(string folder)
    {
        var user = Environment.UserName;
        var existing = Path.GetFullPath(folder);
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                return existing == folder
                    ? $"--into: {folder} is a file, not a folder; give --into a folder (it is created if missing)."
                    : $"--into: {folder} cannot be created because {existing} is a file, not a folder; give --into another folder.";
            }
            if (Path.GetDirectoryName(existing) is not { } parent)
            {
                break;
            }
            existing = parent;
        }
        var probe = Path.Combine(existing, ".respaldo-probe-" + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // ENOENT for a new file in a folder that exists: a virtual file system (/proc, /sys) that takes no new
            // files. .NET's message ("Could not find file '…/.respaldo-probe-….tmp'") names our probe, not the cause.
            return $"--into: {Target(existing, folder)}: {existing} takes no new files or folders (a virtual file system such as /proc); give --into another folder.";
        }
        catch (UnauthorizedAccessException) when (user == "root")
        {
            // Root is refused only by the file system itself, so "give it write access" would be no advice.
            return $"--into: {Target(existing, folder)}: even root may not write {existing} (a read-only or virtual file system); give --into another folder.";
        }
        catch (UnauthorizedAccessException)
        {
            return $"--into: user {user} may not write {(existing == folder ? folder : $"{existing}, so cannot create {folder}")}; give --into a folder that user can write, or give it write access (e.g. chown {user} {existing}).";
        }
        catch (IOException e)
        {
            // .NET's message ends with the probe's path; the reason before it ("Read-only file system") is what counts.
            var reason = e.Message.Split(" : ", 2)[0].TrimEnd('.', ' ');
            return $"--into: user {user} cannot write {existing} ({reason}); give --into another folder.";
        }
    }

    private static string Target(string existing, string folder) =>
        existing == folder ? $"{folder} cannot be written" : $"{folder} cannot be created";
}
