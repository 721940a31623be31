namespace Respaldo.Spool;

/// <summary>Names and permissions of the spool folder's contents.</summary>
internal static class SpoolFolder
{
    public const string TempExtension = ".tmp";

    // Records hold personal data: the folders are readable by the service's user only.
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static string TempName(Guid id) => "." + id.ToString("D") + TempExtension;

    /// <summary>Creates the spool and state folders (owner-only) when missing and returns the spool's full path.</summary>
    public static string Ensure(SpoolOptions options)
    {
        CreatePrivate(options.FullPath);
        CreatePrivate(options.StatePath);
        return options.FullPath;
    }

    public static void CreatePrivate(string path) => Directory.CreateDirectory(path, FolderMode);
}
