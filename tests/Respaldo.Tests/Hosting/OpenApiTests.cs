using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Hosting;

public sealed class OpenApiTests
{
    [Fact]
    public async Task TheOpenApiDocumentDescribesStoreDataWithItsRequestExampleAndEveryResponse()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var document = await app.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        var post = StoreData(document).GetProperty("post");
        var body = post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        var schema = Resolve(document, body.GetProperty("schema"));
        Assert.Equal(["edad", "nombre", "profesion"], schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order());
        Assert.Equal("\"string\"", schema.GetProperty("properties").GetProperty("nombre").GetProperty("type").GetRawText());
        Assert.Equal("\"integer\"", schema.GetProperty("properties").GetProperty("edad").GetProperty("type").GetRawText());
        Assert.Equal("\"string\"", schema.GetProperty("properties").GetProperty("profesion").GetProperty("type").GetRawText());
        var example = body.GetProperty("example");
        Assert.Equal("Juan Pérez", example.GetProperty("nombre").GetString());
        Assert.Equal(30, example.GetProperty("edad").GetInt32());
        var responses = post.GetProperty("responses");
        Assert.Superset(new HashSet<string> { "201", "400", "413", "415", "422" }, responses.EnumerateObject().Select(r => r.Name).ToHashSet());
        var receipt = Resolve(document, responses.GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Equal(["file", "id", "receivedAt"], receipt.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
        foreach (var status in new[] { "400", "413", "415", "422" })
        {
            Assert.True(responses.GetProperty(status).GetProperty("content").TryGetProperty("application/problem+json", out _), $"{status} is a ProblemDetails");
        }
        var validation = Resolve(document, responses.GetProperty("422").GetProperty("content").GetProperty("application/problem+json").GetProperty("schema"));
        Assert.True(validation.GetProperty("properties").TryGetProperty("errors", out _), "422 lists errors per field");
    }

    [Fact]
    public async Task TheOpenApiDocumentStatesTheValidationLimits()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var document = await app.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        var body = StoreData(document).GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        var properties = Resolve(document, body.GetProperty("schema")).GetProperty("properties");
        Assert.Equal(200, properties.GetProperty("nombre").GetProperty("maxLength").GetInt32());
        Assert.Equal(200, properties.GetProperty("profesion").GetProperty("maxLength").GetInt32());
        Assert.Equal(0, properties.GetProperty("edad").GetProperty("minimum").GetInt32());
        Assert.Equal(150, properties.GetProperty("edad").GetProperty("maximum").GetInt32());
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesReadingARecordBack()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var document = await app.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        var responses = document.GetProperty("paths").GetProperty("/records/{id}").GetProperty("get").GetProperty("responses");
        Assert.Superset(new HashSet<string> { "200", "400", "404" }, responses.EnumerateObject().Select(r => r.Name).ToHashSet());
        Assert.True(responses.GetProperty("404").GetProperty("content").TryGetProperty("application/problem+json", out _));
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesHeadersSecurityAndEveryStatusAndLeavesOutServers()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var document = await app.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        Assert.False(document.TryGetProperty("servers", out var servers) && servers.GetArrayLength() > 0, "servers would be wrong behind a TLS proxy");
        var paths = document.GetProperty("paths");
        Assert.False(paths.TryGetProperty("/store_data", out _), "the seed's /store_data/ is the primary path");
        var post = paths.GetProperty("/store_data/").GetProperty("post");
        var key = Assert.Single(post.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.Equal("header", key.GetProperty("in").GetString());
        var responses = post.GetProperty("responses");
        Assert.Superset(new HashSet<string> { "201", "400", "408", "409", "413", "415", "422", "429", "503", "507" }, responses.EnumerateObject().Select(r => r.Name).ToHashSet());
        Assert.True(responses.GetProperty("201").GetProperty("headers").TryGetProperty("Location", out _));
        Assert.True(responses.GetProperty("201").GetProperty("headers").TryGetProperty("Idempotent-Replayed", out _));
        foreach (var status in new[] { "429", "503", "507" })
        {
            Assert.True(responses.GetProperty(status).GetProperty("headers").TryGetProperty("Retry-After", out _), status);
        }
        var read = paths.GetProperty("/records/{id}");
        Assert.Superset(new HashSet<string> { "200", "400", "404", "502", "503" }, read.GetProperty("get").GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet());
        Assert.True(read.TryGetProperty("head", out _), "HEAD is answered wherever GET is");
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Contains(paths.GetProperty("/backup").GetProperty("post").GetProperty("security").EnumerateArray(), r => r.TryGetProperty("bearer", out _));
    }

    [Fact]
    public async Task DocsServesSwaggerUiOverTheOpenApiDocument()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var page = await app.Client.GetAsync("/docs", Ct);
        var script = await app.Client.GetStringAsync("/docs/index.js", Ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"swagger-ui\">", await page.Content.ReadAsStringAsync(Ct));
        Assert.Contains("\"/openapi/v1.json\"", script);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/docs/swagger-ui-bundle.js", Ct)).StatusCode);
    }

    /// <summary>The store operation's path item; routing serves it with and without the trailing slash.</summary>
    private static JsonElement StoreData(JsonElement document)
    {
        var paths = document.GetProperty("paths");
        return paths.TryGetProperty("/store_data/", out var path) ? path : paths.GetProperty("/store_data");
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        if (!schema.TryGetProperty("$ref", out var reference))
        {
            return schema;
        }
        var name = reference.GetString()!["#/components/schemas/".Length..];
        return document.GetProperty("components").GetProperty("schemas").GetProperty(name);
    }
}
