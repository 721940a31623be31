using System.Text.Json;
using System.Text.Json.Serialization;

namespace Respaldo.Spool;

/// <summary>
/// The on-disk format of one record: one UTF-8 JSON object per file, named <c>{id}.json</c>.
/// This type is the single definition of that format; the README documents it field by field.
/// </summary>
internal sealed record StoredRecord(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("receivedAt")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("nombre")] string Nombre,
    [property: JsonPropertyName("edad")] int Edad,
    [property: JsonPropertyName("profesion")] string Profesion,
    [property: JsonPropertyName("idempotencyKey"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? IdempotencyKey = null,
    [property: JsonPropertyName("idempotencyScope"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? IdempotencyScope = null);

/// <summary>What the client gets back once its record is durable.</summary>
internal sealed record Receipt(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("receivedAt")] DateTimeOffset ReceivedAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StoredRecord))]
[JsonSerializable(typeof(Receipt))]
internal sealed partial class RecordJson : JsonSerializerContext
{
    // Accents, emoji and all other non-ASCII text are written as plain UTF-8 rather than \u escapes, so the
    // file holds exactly the characters received and stays readable with any text tool.
    public static RecordJson File { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = RecordTextEncoder.Instance,
    });

    public static byte[] Serialize(StoredRecord record) =>
        JsonSerializer.SerializeToUtf8Bytes(record, File.StoredRecord);

    /// <summary>
    /// The one check whether a spool file is a complete record: it parses, and it holds the record its name says.
    /// Null for crash debris (empty, truncated, or another file's bytes), which is never served or uploaded.
    /// </summary>
    public static StoredRecord? TryParseFile(ReadOnlySpan<byte> utf8, Guid id) => TryParse(utf8) is { } record && record.Id == id ? record : null;

    /// <summary>Parses a record file; null when the bytes are not a complete record (crash debris).</summary>
    public static StoredRecord? TryParse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var record = JsonSerializer.Deserialize(utf8, File.StoredRecord);
            return record is { Nombre: not null, Profesion: not null } && record.Id != default ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
