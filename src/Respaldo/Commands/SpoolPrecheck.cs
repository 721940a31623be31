using Respaldo.Spool;

namespace Respaldo.Commands;

/// <summary>
/// What <c>status</c> and <c>backup</c> need of an existing spool folder, checked before either touches it: a mistyped
/// <c>Storage:Directory</c> is reported, never created and shown as an empty backlog or an empty successful run; a
/// folder this user may not read (or, for backup, write) is one sentence saying to run as the service's user, not an
/// UnauthorizedAccessException. Both are exit code 2: only running differently helps.
/// </summary>
internal static class SpoolPrecheck
{
    public static string? Problem(string folder, bool write)
    {
        if (!Directory.Exists(folder))
        {
            return $"Storage:Directory: the spool folder {folder} does not exist; check the setting (or start the service once to create it).";
        }
        var user = Environment.UserName;
        try
        {
            using (var entries = Directory.EnumerateFileSystemEntries(folder).GetEnumerator())
            {
                entries.MoveNext();
            }
            if (write && SpoolAccess.Problem(folder, create: false) is not null)
            {
                return $"Storage:Directory: the spool folder {folder} is not writable by user {user}. {RunAs(folder)}";
            }
            return null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return $"Storage:Directory: the spool folder {folder} is not readable by user {user} ({e.Message}). {RunAs(folder)}";
        }
    }

    private static string RunAs(string folder) =>
        $"Run as the service's user, the owner of the folder (e.g. sudo -u respaldo respaldo ...), or set Storage:Directory to the spool folder (see ls -ld {folder}).";
}
