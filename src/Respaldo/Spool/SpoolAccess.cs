namespace Respaldo.Spool;

/// <summary>
/// Whether this process can write the spool folder, proven the only reliable way: by creating and removing a probe
/// file in it (permission bits, ACLs, read-only mounts and sandboxes all answer the same way). Used before anything
/// starts, so a folder the service's user cannot write is one sentence naming the folder and the user, not a stack trace.
/// </summary>
internal static class SpoolAccess
{
    /// <summary>
    /// Null when <paramref name="folder"/> is writable; otherwise what is wrong, in a sentence that names the
    /// folder and the user. With <paramref name="create"/> a missing folder is created (<c>0700</c>), as the
    /// service does; without it (the <c>check</c> verb changes nothing) the nearest existing parent is probed.
    /// </summary>
    public static string? Problem(string folder, bool create)
    {
        var target = folder;
        try
        {
            if (File.Exists(folder))
            {
                return $"Storage:Directory: {folder} is a file, not a folder; set Storage:Directory to a folder.";
            }
            if (create)
            {
                // The folder to give access to is the one that exists: chown of a folder not yet made fails.
                target = NearestExisting(folder);
                SpoolFolder.CreatePrivate(folder);
                target = folder;
            }
            else if (!Directory.Exists(folder))
            {
                target = NearestExisting(folder);
                Probe(target);
                return null;
            }
            Probe(folder);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var user = Environment.UserName;
            var why = (e.InnerException?.Message ?? e.Message).TrimEnd('.');
            return e is UnauthorizedAccessException
                ? $"Storage:Directory: the spool folder {folder} is not writable by user {user} ({why}). Give that user write access to {target} (e.g. chown {user} {target}), or set Storage:Directory to a folder it can write."
                : $"Storage:Directory: the spool folder {folder} cannot be used by user {user}: {why}. Fix the folder or set Storage:Directory to another one.";
        }
    }

    private static void Probe(string folder)
    {
        var probe = Path.Combine(folder, ".respaldo-probe-" + Guid.NewGuid().ToString("N") + SpoolFolder.TempExtension);
        File.WriteAllBytes(probe, []);
        File.Delete(probe);
    }

    private static string NearestExisting(string folder)
    {
        var current = Path.GetFullPath(folder);
        while (!Directory.Exists(current) && Path.GetDirectoryName(current) is { } parent)
        {
            current = parent;
        }
        return current;
    }
}
