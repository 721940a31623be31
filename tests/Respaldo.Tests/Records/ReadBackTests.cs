using System.Net;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Records;

/// <summary><c>GET /records/{id}</c>: the stored bytes, 404 for an unknown id, 400 for something that is not an id.</summary>
public sealed class ReadBackTests
{
    [Fact]
    public async Task AStoredRecordIsReturnedAsTheExactBytesOfItsFile()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var id = await StoreAsync(app, Body("Marta Ibáñez", "58", "Enfermera"));

        var response = await app.Client.GetAsync($"/records/{id}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ReadRecordFile(app, id), await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task TheLocationHeaderOfTheReceiptLeadsToTheRecord()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var created = await PostAsync(app, Body());

        var response = await app.Client.GetAsync(created.Headers.Location, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = Guid.Parse(created.Headers.Location!.OriginalString["/records/".Length..]);
        Assert.Equal(ReadRecordFile(app, id), await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task AnUnknownValidIdAnswers404Problem()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        await StoreAsync(app, Body());
        var unknown = Guid.CreateVersion7();

        var response = await app.Client.GetAsync($"/records/{unknown}", Ct);

        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Contains(unknown.ToString(), problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("not-an-id")]
    [InlineData("12345")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("ffffffff-ffff-ffff-ffff-ffffffffffff")]
    [InlineData("3f2504e0-4f89-41d3-9a0c-0305e82c3301")] // version 4
    [InlineData("019376d2-7c1e-1b3a-9f00-5d2c1e0a4b11")] // version 1 bits on a v7 timestamp
    [InlineData("019376d2-7c1e-7b3a-0f00-5d2c1e0a4b11")] // version 7 with the wrong variant
    [InlineData("019376d27c1e7b3a9f005d2c1e0a4b11")] // a v7 id without hyphens
    [InlineData("{019376d2-7c1e-7b3a-9f00-5d2c1e0a4b11}")]
    [InlineData("019376d2-7c1e-7b3a-9f00-5d2c1e0a4b11.json")]
    public async Task AnIdThatIsNotAUuidV7Answers400Problem(string id)
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var response = await app.Client.GetAsync($"/records/{Uri.EscapeDataString(id)}", Ct);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AFileInTheSpoolThatIsNotACompleteRecordIsNotServed()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var id = await StoreAsync(app, Body());
        await File.WriteAllTextAsync(Path.Combine(app.SpoolDirectory, $"{id}.json"), """{"id": """, Ct);

        var response = await app.Client.GetAsync($"/records/{id}", Ct);

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }
}
