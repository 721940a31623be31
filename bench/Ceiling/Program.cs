using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Respaldo.Bench.Ceiling;

// Does everything POST /store_data/ does on the way in and out (parse the record, mint a UUIDv7, answer 201 with a
// receipt of the same shape), but writes nothing, so its throughput is what this machine's HTTP stack allows.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, CeilingJson.Default));

var app = builder.Build();
app.MapPost("/store_data/", Store);
app.Run();

static Results<Created<Receipt>, BadRequest> Store(RecordRequest record)
{
    if (string.IsNullOrWhiteSpace(record.Nombre) || string.IsNullOrWhiteSpace(record.Profesion) || record.Edad is < 0 or > 150)
    {
        return TypedResults.BadRequest();
    }
    var receivedAt = DateTimeOffset.UtcNow;
    var id = Guid.CreateVersion7(receivedAt);
    return TypedResults.Created($"/records/{id}", new Receipt(id, $"{id}.json", receivedAt));
}

namespace Respaldo.Bench.Ceiling
{
    internal sealed record RecordRequest(
        [property: JsonPropertyName("nombre")] string Nombre,
        [property: JsonPropertyName("edad")] int Edad,
        [property: JsonPropertyName("profesion")] string Profesion);

    internal sealed record Receipt(
        [property: JsonPropertyName("id")] Guid Id,
        [property: JsonPropertyName("file")] string File,
        [property: JsonPropertyName("receivedAt")] DateTimeOffset ReceivedAt);

    [JsonSerializable(typeof(RecordRequest))]
    [JsonSerializable(typeof(Receipt))]
    internal sealed partial class CeilingJson : JsonSerializerContext;
}
