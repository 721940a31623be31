using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Records;

public sealed class IntakeContractTests
{
    [Fact]
    public async Task PostingARecordWritesOneJsonFileAndAnswersCreated()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var response = await app.PostRecordAsync(new { nombre = "Juan Pérez", edad = 30, profesion = "Ingeniero" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var id = receipt.GetProperty("id").GetString();
        Assert.Equal($"/records/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal($"{id}.json", receipt.GetProperty("file").GetString());
        Assert.Equal([$"{id}.json"], app.SpoolFiles().Where(f => f.EndsWith(".json")));
    }
}
