using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Spool;

/// <summary>Verbs that only read never create the spool folder: a mistyped one is reported, not shown as an empty backlog.</summary>
public sealed class ReadOnlyVerbTests
{
    [Fact]
    public async Task StatusWithAMistypedSpoolFolderSaysItDoesNotExistAndCreatesNothing()
    {
        using var root = new TempFolder();
        var mistyped = Path.Combine(root.Path, "recrods");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(root.Path, ["status", $"--Storage:Directory={mistyped}", $"--Backup:Destination={root.Path}/backup"]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"Storage:Directory: the spool folder {mistyped} does not exist; check the setting (or start the service once to create it).", stderr.Trim());
        Assert.False(Directory.Exists(mistyped));
        Assert.Empty(Directory.GetFileSystemEntries(root.Path));
    }
}
