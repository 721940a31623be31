using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Respaldo.Tests.Records;

/// <summary>The hostile-input corpus in HostileInput/cases.json: one raw request body per file.</summary>
internal static class HostileCorpus
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Records", "HostileInput");

    public static IReadOnlyList<HostileCase> Cases { get; } = Load();

    public static HostileCase Get(string name) => Cases.Single(c => c.Name == name);

    private static HostileCase[] Load()
    {
        using var manifest = File.OpenRead(Path.Combine(Folder, "cases.json"));
        var document = JsonSerializer.Deserialize<Manifest>(manifest, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        return document!.Cases;
    }

    private sealed record Manifest(HostileCase[] Cases);
}

/// <summary>One case: how to send it, and the exact status the service must answer.</summary>
internal sealed record HostileCase(
    string Name, string? File, string? ContentType, string? Method, string? Transfer, int Status, string Why, Expansion[]? Expand,
    bool ExpectContinue, bool MayReset)
{
    public byte[]? Body()
    {
        if (File is null)
        {
            return null;
        }
        var bytes = System.IO.File.ReadAllBytes(Path.Combine(HostileCorpus.Folder, File));
        if (Expand is null)
        {
            return bytes;
        }
        var text = Encoding.UTF8.GetString(bytes);
        foreach (var e in Expand)
        {
            text = text.Replace(e.Marker, string.Concat(Enumerable.Repeat(e.Text, e.Count)), StringComparison.Ordinal);
        }
        return Encoding.UTF8.GetBytes(text);
    }

    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method ?? "POST"), "/store_data/");
        request.Headers.ExpectContinue = ExpectContinue;
        if (Body() is { } body)
        {
            request.Content = Transfer == "chunked" ? new UnsizedContent(body) : new ByteArrayContent(body);
            if (ContentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
            }
        }
        return request;
    }

    public override string ToString() => Name;
}

internal sealed record Expansion(string Marker, string Text, int Count);

/// <summary>A body of unknown length, so HttpClient sends it with Transfer-Encoding: chunked.</summary>
internal sealed class UnsizedContent(byte[] body) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        for (var offset = 0; offset < body.Length; offset += 64 * 1024)
        {
            await stream.WriteAsync(body.AsMemory(offset, Math.Min(64 * 1024, body.Length - offset)));
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
