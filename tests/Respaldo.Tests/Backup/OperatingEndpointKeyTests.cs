using System.Net;
using System.Net.Http.Headers;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Backup;

public sealed class OperatingEndpointKeyTests
{
    private const string Key = "operator-key-5b1f0c";

    [Theory]
    [InlineData("POST", "/backup")]
    [InlineData("GET", "/status")]
    public async Task BackupAndStatusNeedAKeyOnceKeysAreConfigured(string method, string path)
    {
        await using var app = await new RespaldoApplication($"--Security:ApiKeys:0={Key}").StartAsync();
        await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Médica" });

        using var without = await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);
        var authorized = new HttpRequestMessage(new HttpMethod(method), path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Key) } };
        using var with = await app.Client.SendAsync(authorized, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Single(Directory.GetFiles(app.SpoolDirectory, "*.json").Concat(
            Directory.Exists(app.BackupDirectory) ? Directory.GetFiles(app.BackupDirectory, "*.json", SearchOption.AllDirectories) : []));
    }
}
