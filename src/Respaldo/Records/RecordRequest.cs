using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Respaldo.Records;

/// <summary>The intake contract existing clients already send to <c>POST /store_data/</c>.</summary>
/// <param name="Nombre">The person's name: 1 to 200 characters, not only white space.</param>
/// <param name="Edad">The person's age in whole years, from 0 to 150.</param>
/// <param name="Profesion">The person's profession: 1 to 200 characters, not only white space.</param>
/// <remarks>
/// The length and range attributes state the limits in the OpenAPI document (JSON Schema counts characters as
/// Unicode scalars, as the rule does); <see cref="RecordParser"/> is what enforces them.
/// </remarks>
internal sealed record RecordRequest(
    [property: JsonPropertyName("nombre"), StringLength(RecordParser.MaxTextLength, MinimumLength = 1)] string Nombre,
    [property: JsonPropertyName("edad"), Range(RecordParser.MinAge, RecordParser.MaxAge)] int Edad,
    [property: JsonPropertyName("profesion"), StringLength(RecordParser.MaxTextLength, MinimumLength = 1)] string Profesion);
