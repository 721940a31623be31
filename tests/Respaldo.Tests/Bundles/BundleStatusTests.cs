using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Operations;

namespace Respaldo.Tests.Bundles;

/// <summary><c>backup --dry-run</c>, <c>status</c> and <c>/metrics</c> show the layout and the bundles.</summary>
public sealed class BundleStatusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DryRunStatusAndMetricsShowTheLayoutAndTheBundlesWithTheirRecordsAndBytes()
    {
        await using var app = await new RespaldoApplication("--Backup:Layout=Bundle", "--Backup:BundleMaxRecords=20").StartAsync();
        // 50 records over 2 hours: 25 an hour, so two bundles an hour (20 + 5).
        var files = Bundles.Spool(app.SpoolDirectory, 50, 2, DateTimeOffset.UtcNow.AddHours(-3));
        var bytes = files.Values.Sum(b => (long)b.Length);

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(app.Root.Path,
            ["backup", "--dry-run", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}",
             "--Backup:Layout=Bundle", "--Backup:BundleMaxRecords=20"]);

        Assert.True(code == 0, stderr);
        Assert.Equal(2, stdout.Split('\n').Count(l => l.StartsWith("20 files -> year=", StringComparison.Ordinal) && l.Contains(Bundles.Extension)));
        Assert.Equal(2, stdout.Split('\n').Count(l => l.StartsWith("5 files -> year=", StringComparison.Ordinal)));
        Assert.Contains($"Dry run: 50 files, {bytes} bytes would be uploaded to directory {app.BackupDirectory} as 4 objects (Bundle layout). Nothing was changed.", stdout);
        Assert.Equal(50, Directory.GetFiles(app.SpoolDirectory, "*.json").Length);

        var summary = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);
        var stored = Directory.GetFiles(app.BackupDirectory, "*" + Bundles.Extension, SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

        var status = await app.Client.GetFromJsonAsync<JsonElement>("/status", Ct);
        Assert.Equal("Bundle", status.GetProperty("layout").GetString());
        var last = status.GetProperty("lastRun");
        Assert.Equal(("Bundle", 4, 50, bytes, stored),
            (last.GetProperty("layout").GetString(), last.GetProperty("objects").GetInt32(), last.GetProperty("uploaded").GetInt32(),
             last.GetProperty("bytes").GetInt64(), last.GetProperty("objectBytes").GetInt64()));
        Assert.Contains($"as 4 bundles of {stored} bytes", summary.ToText());
        var metrics = await MetricsTests.ScrapeAsync(app);
        Assert.Equal(4, metrics.Value("respaldo_backup_objects_uploaded_total"));
        Assert.Equal(stored, metrics.Value("respaldo_backup_objects_uploaded_size_bytes_total"));
        Assert.Equal(50, metrics.Value("respaldo_backup_files_uploaded_total"));
    }
}
