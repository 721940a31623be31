using System.Runtime.CompilerServices;

namespace Respaldo.Tests.Deployment;

/// <summary>
/// Files of the repository itself (deploy/, the fixtures), found from this source file's compile-time path, so the
/// tests read exactly what is checked in rather than a copy in the build output.
/// </summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string Deploy(string name) => Path.Combine(Root, "deploy", name);

    public static string Fixtures(string name) => Path.Combine(Root, "tests", "Respaldo.Tests", "Deployment", "Fixtures", name);

    private static string FindRoot([CallerFilePath] string thisFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(thisFile), AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Respaldo.slnx")) && Directory.Exists(Path.Combine(dir.FullName, "deploy")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("The repository root (with Respaldo.slnx and deploy/) was not found.");
    }
}
