using System.Text.Json.Serialization;

namespace Respaldo.Records;

/// <summary>The intake contract existing clients already send to <c>POST /store_data/</c>.</summary>
/// <param name="Nombre">The person's name: 1 to 200 characters, not only white space.</param>
/// <param name="Edad">The person's age in whole years, from 0 to 150.</param>
/// <param name="Profesion">The person's profession: 1 to 200 characters, not only white space.</param>
internal sealed record RecordRequest(
    [property: JsonPropertyName("nombre")] string Nombre,
    [property: JsonPropertyName("edad")] int Edad,
    [property: JsonPropertyName("profesion")] string Profesion);
