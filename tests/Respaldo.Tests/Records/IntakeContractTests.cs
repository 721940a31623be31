using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Respaldo.Spool;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Records;

/// <summary>The success side of <c>POST /store_data/</c>, exactly as existing clients rely on it.</summary>
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

    [Fact]
    public async Task TheReceiptIsUtf8JsonWithATimeOrderedIdTheFileNameAndTheUtcReceiptTime()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var before = TruncateToMilliseconds(DateTimeOffset.UtcNow);

        var response = await PostAsync(app, Body());
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(["file", "id", "receivedAt"], receipt.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(RecordId.TryParse(receipt.GetProperty("id").GetString(), out var id), "the id is a UUIDv7");
        Assert.Equal($"{id}.json", receipt.GetProperty("file").GetString());
        Assert.Equal(new Uri($"/records/{id}", UriKind.Relative), response.Headers.Location);
        var receivedAt = receipt.GetProperty("receivedAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.Zero, receivedAt.Offset);
        Assert.InRange(receivedAt, before, after);
        Assert.Equal(RecordId.Timestamp(id), receivedAt);
    }

    [Fact]
    public async Task TheFileHoldsExactlyTheValuesReceivedPlusIdAndReceivedAt()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var response = await PostAsync(app, Body("Juan Pérez", "30", "Ingeniero"));

        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = receipt.GetProperty("id").GetGuid();
        using var file = JsonDocument.Parse(ReadRecordFile(app, id));
        var stored = file.RootElement;
        Assert.Equal(["edad", "id", "nombre", "profesion", "receivedAt"], stored.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(id, stored.GetProperty("id").GetGuid());
        Assert.Equal(receipt.GetProperty("receivedAt").GetDateTimeOffset(), stored.GetProperty("receivedAt").GetDateTimeOffset());
        Assert.Equal(TimeSpan.Zero, stored.GetProperty("receivedAt").GetDateTimeOffset().Offset);
        Assert.Equal("Juan Pérez", stored.GetProperty("nombre").GetString());
        Assert.Equal(30, stored.GetProperty("edad").GetInt32());
        Assert.Equal("Ingeniero", stored.GetProperty("profesion").GetString());
    }

    [Fact]
    public async Task TheFileIsPlainUtf8WithAccentsWrittenAsCharactersNotEscapes()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        // The client escapes its non-ASCII text (\u00e9); the file must still hold the characters themselves.
        var response = await app.PostRecordAsync(new { nombre = "José Núñez", edad = 41, profesion = "Diseñadora gráfica" });

        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var bytes = ReadRecordFile(app, id);
        Assert.False(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble), "no byte-order mark");
        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        Assert.Contains("\"José Núñez\"", text);
        Assert.Contains("\"Diseñadora gráfica\"", text);
        Assert.DoesNotContain("\\u", text);
    }

    [Theory]
    [InlineData("Ñandú Müller-Ålesund", "Cirujana cardiovascular")]
    [InlineData("Zoë 😀🎉", "Desarrolladora 👩‍💻")]
    [InlineData("王小明", "软件工程师")]
    [InlineData("山田 太郎", "エンジニア")]
    [InlineData("محمد عبد الله", "مهندس برمجيات")]
    [InlineData("שרה כהן", "מהנדסת")]
    [InlineData("Jose\u0301 (decomposed)", "Ingeniero\u200F RTL mark")]
    public async Task UnicodeTextIsStoredAsReceivedAndReadBackByteForByte(string nombre, string profesion)
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var id = await StoreAsync(app, Body(nombre, "30", profesion));

        var file = ReadRecordFile(app, id);
        var text = Encoding.UTF8.GetString(file);
        Assert.Contains($"\"{nombre}\"", text);
        Assert.Contains($"\"{profesion}\"", text);
        using var stored = JsonDocument.Parse(file);
        Assert.Equal(nombre, stored.RootElement.GetProperty("nombre").GetString());
        Assert.Equal(profesion, stored.RootElement.GetProperty("profesion").GetString());
        var readBack = await app.Client.GetByteArrayAsync($"/records/{id}", Ct);
        Assert.Equal(file, readBack);
    }

    [Fact]
    public async Task QuotesAndBackslashesAreStoredAsReceived()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        const string nombre = "Ana \"la Jefa\" O'Neil \\ Ñ";

        var response = await app.PostRecordAsync(new { nombre, edad = 50, profesion = "C:\\Ingeniería\\\"Datos\"" });

        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        using var stored = JsonDocument.Parse(ReadRecordFile(app, id));
        Assert.Equal(nombre, stored.RootElement.GetProperty("nombre").GetString());
        Assert.Equal("C:\\Ingeniería\\\"Datos\"", stored.RootElement.GetProperty("profesion").GetString());
    }

    [Theory]
    [InlineData("/store_data/")]
    [InlineData("/store_data")]
    public async Task BothPathsStoreTheRecord(string path)
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var response = await PostAsync(app, Encoding.UTF8.GetBytes(Body()), path: path);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        Assert.Equal([$"{id}.json"], app.SpoolFiles());
    }

    [Fact]
    public async Task EveryPostGetsItsOwnIdAndFile()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var first = await StoreAsync(app, Body());
        var second = await StoreAsync(app, Body());

        Assert.NotEqual(first, second);
        Assert.Equal(new[] { $"{first}.json", $"{second}.json" }.Order(), app.SpoolFiles());
    }

    [Fact]
    public async Task AUtf8CharsetParameterIsAccepted()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var response = await PostAsync(app, Encoding.UTF8.GetBytes(Body()), "application/json; charset=utf-8");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Single(app.SpoolFiles());
    }

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset t) => t.AddTicks(-(t.Ticks % TimeSpan.TicksPerMillisecond));
}
