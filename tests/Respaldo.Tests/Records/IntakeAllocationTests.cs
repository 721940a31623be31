using System.Text;
using Respaldo.Records;
using Respaldo.Spool;

namespace Respaldo.Tests.Records;

/// <summary>
/// What the intake path's allocation cuts must not change: the parser's error map and name set are created only when
/// needed, and the writer builds its paths in reused buffers. The bytes saved per request are measured in bench/
/// (bench/tools/alloc-probe.sh, bench/RESULTS.md), not here.
/// </summary>
public sealed class IntakeAllocationTests
{
    [Fact]
    public void AnInvalidRecordStillNamesEveryFieldAfterTheErrorMapBecameLazy()
    {
        var parsed = RecordParser.Parse("""{"nombre":" ","edad":"x","extra":1,"extra":2}"""u8.ToArray());

        Assert.Null(parsed.Record);
        Assert.Equal(["nombre", "edad", "extra", "profesion"], parsed.Errors!.Keys);
        Assert.Contains("more than once", parsed.Errors["extra"][0]);
    }

    [Fact]
    public void TheWritersReusedPathBuffersNameTheFilesAsTheSpoolDoes()
    {
        var paths = new RecordPaths("/var/lib/respaldo/records/");
        foreach (var id in new[] { Guid.CreateVersion7(), Guid.CreateVersion7() })
        {
            paths.Set(id);
            Assert.Equal("/var/lib/respaldo/records/" + SpoolFolder.TempName(id) + "\0", Encoding.UTF8.GetString(paths.Temp));
            Assert.Equal("/var/lib/respaldo/records/" + RecordId.FileName(id) + "\0", Encoding.UTF8.GetString(paths.Final));
            Assert.Equal("/var/lib/respaldo/records/" + RecordId.FileName(id), NativeFileSystem.Text(paths.Final));
        }
    }
}
