using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Records;

/// <summary>Requests and assertions the intake contract tests share.</summary>
internal static class Contract
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A record body as clients send it: raw UTF-8 text, not \u-escaped.</summary>
    public static string Body(string nombre = "Ana", string edad = "30", string profesion = "Ingeniera") =>
        $$"""{"nombre": "{{nombre}}", "edad": {{edad}}, "profesion": "{{profesion}}"}""";

    /// <summary>Posts <paramref name="body"/> as it is; chunked sends it without Content-Length.</summary>
    public static Task<HttpResponseMessage> PostAsync(
        RespaldoApplication app, byte[] body, string? contentType = "application/json", bool chunked = false, string path = "/store_data/")
    {
        HttpContent content = chunked ? new ChunkedContent(body) : new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        return app.Client.PostAsync(path, content, Ct);
    }

    public static Task<HttpResponseMessage> PostAsync(RespaldoApplication app, string body, string? contentType = "application/json") =>
        PostAsync(app, Encoding.UTF8.GetBytes(body), contentType);

    /// <summary>Posts a valid record and returns its id, failing unless the answer is 201.</summary>
    public static async Task<Guid> StoreAsync(RespaldoApplication app, string body)
    {
        var response = await PostAsync(app, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return receipt.GetProperty("id").GetGuid();
    }

    /// <summary>Asserts a ProblemDetails answer (RFC 9457) with <paramref name="status"/> and returns its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Every file under the spool folder, its state folders included, relative to it.</summary>
    public static string[] FilesUnder(string directory) => Directory.Exists(directory)
        ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(directory, f)).Order().ToArray()
        : [];

    public static byte[] ReadRecordFile(RespaldoApplication app, Guid id) =>
        File.ReadAllBytes(Path.Combine(app.SpoolDirectory, $"{id}.json"));

    /// <summary>Content of unknown length, so HttpClient sends it with <c>Transfer-Encoding: chunked</c>.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            foreach (var chunk in body.Chunk(4096))
            {
                await stream.WriteAsync(chunk);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
