using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Hosting;

public sealed class HealthTests
{
    [Fact]
    public async Task HealthzAnswers200WhenTheSpoolFolderIsWritableAndLeavesNothingBehind()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var before = FilesUnder(app.SpoolDirectory);

        var response = await app.Client.GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal(before, FilesUnder(app.SpoolDirectory));
    }

    [Fact]
    public async Task HealthzAnswers503WhileTheSpoolFolderIsNotWritableAnd200OnceItIsBack()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        // Tests run as root, who may write into any folder whatever its mode: a file in the folder's place
        // makes every write fail for root too (ENOTDIR).
        Directory.Delete(app.SpoolDirectory, recursive: true);
        await File.WriteAllTextAsync(app.SpoolDirectory, "a file where the spool folder was", Ct);
        var unwritable = await app.Client.GetAsync("/healthz", Ct);
        File.Delete(app.SpoolDirectory);
        Directory.CreateDirectory(app.SpoolDirectory);
        var writable = await app.Client.GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unwritable.StatusCode);
        var health = await unwritable.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
        Assert.Contains("not writable", health.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.OK, writable.StatusCode);
    }

    [Fact]
    public async Task HealthzAnswers503WhenTheSpoolFolderIsImmutable()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        // The immutable attribute stops root too; file systems without it (tmpfs, overlay) skip this test.
        if (!await ChattrAsync("+i", app.SpoolDirectory))
        {
            Assert.Skip("chattr +i is not available for the temp folder's file system");
        }
        HttpResponseMessage response;
        try
        {
            response = await app.Client.GetAsync("/healthz", Ct);
        }
        finally
        {
            Assert.True(await ChattrAsync("-i", app.SpoolDirectory));
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task HealthzAnswers503WhenTheSpoolFolderIsGone()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        Directory.Delete(app.SpoolDirectory, recursive: true);

        var response = await app.Client.GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
    }

    private static async Task<bool> ChattrAsync(string change, string path)
    {
        try
        {
            using var chattr = Process.Start(new ProcessStartInfo("chattr", [change, path]) { RedirectStandardError = true })!;
            await chattr.StandardError.ReadToEndAsync(Ct);
            await chattr.WaitForExitAsync(Ct);
            return chattr.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no chattr on this system
        }
    }
}
