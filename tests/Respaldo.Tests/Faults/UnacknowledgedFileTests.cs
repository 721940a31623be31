using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// A record's file exists from its rename until its <c>syncfs</c> returns, and until then the record may still be
/// refused (a failed sync answers 503 and removes the file). A backup that ran in that window would upload a record
/// its client was told was not stored, and delete it from under the writer. The sync is held open here with strace.
/// </summary>
public sealed class UnacknowledgedFileTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABackupDuringARecordsSyncLeavesItsFileAloneUntilItIsAcknowledged()
    {
        var strace = Strace.Find();
        Assert.SkipWhen(strace is null, "strace is not installed (test.sh installs Debian's strace)");
        using var root = new TempFolder();
        var spool = Path.Combine(root.Path, "records");
        var backup = Path.Combine(root.Path, "backup");
        string[] settings =
        [
            $"--Storage:Directory={spool}", $"--Backup:Destination={backup}", "--Backup:Schedule=off",
            "--Logging:LogLevel:Default=Critical",
        ];
        await using var server = await RespaldoProcess.ServeAsync(root.Path, settings, Ct);
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        HttpResponseMessage posted;
        JsonElement during;
        // Every syncfs now takes 4 s before it runs: the record's file is in place, unacknowledged, all that time.
        await using (var tracer = await Strace.AttachAsync(strace!, server.Id, Path.Combine(root.Path, "trace"), "inject=syncfs:delay_enter=4000000"))
        {
            var post = http.PostAsJsonAsync("/store_data/", new { nombre = "Ana", edad = 30, profesion = "ingeniera" }, Ct);
            var deadline = DateTime.UtcNow.AddSeconds(3);
            while (Directory.Exists(spool) && Directory.GetFiles(spool, "*.json").Length == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, Ct);
            }
            Assert.Single(Directory.GetFiles(spool, "*.json"));
            Assert.False(post.IsCompleted, "the record was answered before its sync could have returned");

            var run = await http.PostAsync("/backup", null, Ct);
            during = await run.Content.ReadFromJsonAsync<JsonElement>(Ct);
            posted = await post;
            await tracer.DetachAsync();
        }

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        Assert.Equal(0, during.GetProperty("uploaded").GetInt32());
        Assert.Single(Directory.GetFiles(spool, "*.json")); // still spooled: acknowledged after that run's listing

        var after = await (await http.PostAsync("/backup", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(1, after.GetProperty("uploaded").GetInt32());
        Assert.Empty(Directory.GetFiles(spool, "*.json"));
    }
}
