using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Spool;
using Respaldo.Tests.Faults;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Security;

namespace Respaldo.Tests.Spool;

/// <summary>One bad file in the spool never stops the service: start-up logs it with its path and goes on.</summary>
public sealed class SpoolRecoveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Guid WriteRecord(string folder, DateTimeOffset? at = null)
    {
        var receivedAt = at ?? DateTimeOffset.UtcNow;
        var id = RecordId.New(receivedAt);
        File.WriteAllBytes(Path.Combine(folder, RecordId.FileName(id)), RecordJson.Serialize(new StoredRecord(id, receivedAt, "Ana", 30, "Ingeniera")));
        return id;
    }

    private static async Task AssertTakesRecordsAsync(RespaldoApplication app)
    {
        var response = await app.PostRecordAsync(new { nombre = "Eva", edad = 41, profesion = "Jueza" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task AQuarantineThatFailsIsLoggedWithThePathAndTheServiceStarts()
    {
        var log = new LogCapture();
        await using var app = new RespaldoApplication(["--Logging:LogLevel:Respaldo=Information"], log.Register);
        Directory.CreateDirectory(Path.Combine(app.SpoolDirectory, ".respaldo"));
        await File.WriteAllTextAsync(Path.Combine(app.SpoolDirectory, ".respaldo", "quarantine"), "a file where the quarantine folder goes", Ct);
        var debris = Path.Combine(app.SpoolDirectory, $"{Guid.CreateVersion7()}.json");
        await File.WriteAllBytesAsync(debris, [], Ct);

        await app.StartAsync();

        Assert.True(File.Exists(debris)); // left where it was for the next start-up
        Assert.Contains(log.Entries, e => e.Contains("Start-up skipped") && e.Contains(debris));
        await AssertTakesRecordsAsync(app);
    }

    [Fact]
    public async Task DirectoriesNamedLikeRecordOrTemporaryFilesAreLeftAloneAndTheServiceStarts()
    {
        await using var app = new RespaldoApplication();
        var asRecord = Directory.CreateDirectory(Path.Combine(app.SpoolDirectory, $"{Guid.CreateVersion7()}.json")).FullName;
        var asTemp = Directory.CreateDirectory(Path.Combine(app.SpoolDirectory, SpoolFolder.TempName(Guid.CreateVersion7()))).FullName;
        var complete = WriteRecord(app.SpoolDirectory);

        await app.StartAsync();

        Assert.True(Directory.Exists(asRecord) && Directory.Exists(asTemp));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync($"/records/{complete}", Ct)).StatusCode);
        Assert.Equal(1, app.Services.GetRequiredService<SpoolIndex>().Files); // the record, not the folders
        await AssertTakesRecordsAsync(app);
    }

    [Fact]
    public async Task AFileRemovedWhileStartUpRecoversIsSkippedAndTheServiceStarts()
    {
        using var root = new TempFolder();
        var spool = root.Sub("records");
        var first = WriteRecord(spool, DateTimeOffset.UtcNow.AddSeconds(-10));
        var debris = Path.Combine(spool, $"{Guid.CreateVersion7()}.json");
        await File.WriteAllBytesAsync(debris, [], Ct);
        // Listed, then gone before recovery reaches it, as when a command-line backup uploads it meanwhile.
        var remover = new RemoveOnFirstRecord(debris);
        await using var app = new RespaldoApplication([], s => s.AddSingleton<ISpoolRecoveryObserver>(remover), root);

        await app.StartAsync();

        Assert.True(remover.Removed);
        Assert.Equal([$"{first}.json"], app.SpoolFiles().Where(f => f.EndsWith(".json", StringComparison.Ordinal)));
        await AssertTakesRecordsAsync(app);
    }

    [Fact]
    public async Task AnUnprivilegedServiceStartsOverFilesItMayNotReadAndSurvivesAnUnreadableSpool()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
        {
            Assert.Skip("needs root to create files the service's user may not read, and setpriv to drop to nobody");
        }
        using var root = new TempFolder();
        var spool = root.Sub("records");
        var unreadable = Path.Combine(spool, RecordId.FileName(WriteRecord(spool))); // young: read for idempotency at start-up
        File.SetUnixFileMode(unreadable, UnixFileMode.UserRead | UnixFileMode.UserWrite); // root's, 0600
        var asRecord = Directory.CreateDirectory(Path.Combine(spool, $"{Guid.CreateVersion7()}.json")).FullName;
        foreach (var folder in new[] { spool, root.Sub("backup"), root.Sub("home") })
        {
            await ChownAsync(folder);
        }
        string[] settings = [$"--Storage:Directory={spool}", $"--Backup:Destination={root.Path}/backup", "--Backup:Schedule=off", "--Storage:RescanInterval=00:00:01"];
        string[] nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];

        await using var server = await RespaldoProcess.ServeAsync(root.Path, settings, Ct, new Dictionary<string, string> { ["HOME"] = root.Path + "/home" }, nobody);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var posted = await http.PostAsync("/store_data/", new StringContent("""{"nombre":"Eva","edad":41,"profesion":"Jueza"}""", null, "application/json"), Ct);
        // The periodic rescan now meets a folder it may not read (UnauthorizedAccessException, not an IOException).
        File.SetUnixFileMode(spool, UnixFileMode.None);
        var logged = await UntilAsync(() => server.Output.Contains("spool rescan loop failed") || server.HasExited);
        File.SetUnixFileMode(spool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Contains("Start-up skipped " + unreadable, server.Output);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        Assert.True(logged && !server.HasExited, "the service stopped:\n" + server.Output);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz", Ct)).StatusCode);
        Assert.True(Directory.Exists(asRecord) && File.Exists(unreadable));
    }

    private static async Task<bool> UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50, Ct);
        }
        return condition();
    }

    private static async Task ChownAsync(string folder)
    {
        var info = new ProcessStartInfo("chown", ["nobody:nogroup", folder]);
        var (code, _, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromSeconds(20));
        Assert.True(code == 0, stderr);
    }

    private sealed class RemoveOnFirstRecord(string path) : ISpoolRecoveryObserver
    {
        public bool Removed { get; private set; }

        public TimeSpan Lookback => TimeSpan.FromDays(1);

        public void Recovered(StoredRecord record)
        {
            if (!Removed)
            {
                File.Delete(path);
                Removed = true;
            }
        }
    }
}
