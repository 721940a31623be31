using System.Text;
using System.Text.Json;

namespace Respaldo.Records;

/// <summary>
/// Reads and validates a request body in one strict pass, so every rejection can name its field and reason.
/// Policy (documented in the README): the body must be one JSON object in UTF-8 (one leading BOM is skipped);
/// a repeated property is rejected, even an unknown one (which value was meant is ambiguous); unknown
/// properties are ignored and not stored, as the FastAPI service this replaces did; <c>edad</c> must be a JSON
/// integer literal (no strings, fractions, exponents or null).
/// </summary>
internal static class RecordParser
{
    public const int MaxTextLength = 200;
    public const int MinAge = 0;
    public const int MaxAge = 150;
    private const int MaxDepth = 16;

    public static ParseResult Parse(byte[] bytes)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return ParseResult.Malformed("The body is not valid UTF-8: send the record as UTF-8 JSON; nothing was stored.");
        }
        try
        {
            // RFC 8259 lets a parser ignore a leading UTF-8 byte order mark, and the FastAPI service did: skip one.
            return ParseObject(bytes.AsSpan().StartsWith(Utf8Bom) ? bytes.AsSpan(Utf8Bom.Length) : bytes);
        }
        catch (JsonException e)
        {
            // The reader's own message names its internals (isFinalBlock, BytePositionInLine): say where, in a person's words.
            return ParseResult.Malformed(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The body is not valid JSON: it breaks off or has an unexpected character at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}. Check the quotes, commas and braces; nothing was stored."));
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader reports unpaired surrogate escapes (\ud800) this way.
            return ParseResult.Malformed("The body is not valid JSON text: a \\u escape is half of a UTF-16 surrogate pair. Send text as UTF-8 or as complete \\uXXXX\\uXXXX pairs; nothing was stored.");
        }
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ParseResult ParseObject(ReadOnlySpan<byte> bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ParseResult.Malformed("The body must be one JSON object like {\"nombre\": \"Ana\", \"edad\": 30, \"profesion\": \"Ingeniera\"}; nothing was stored.");
        }
        var errors = new Dictionary<string, string[]>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? nombre = null, profesion = null;
        int? edad = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (!seen.Add(name))
            {
                errors[name] = ["appears more than once; send each property once."];
                reader.Skip();
                continue;
            }
            switch (name)
            {
                case "nombre":
                    nombre = ReadText(ref reader, name, errors);
                    break;
                case "profesion":
                    profesion = ReadText(ref reader, name, errors);
                    break;
                case "edad":
                    edad = ReadAge(ref reader, errors);
                    break;
                default:
                    reader.Skip(); // unknown properties are ignored, as before
                    break;
            }
        }
        if (reader.Read())
        {
            return ParseResult.Malformed("The body has content after the JSON object: send exactly one object; nothing was stored.");
        }
        foreach (var required in (ReadOnlySpan<string>)["nombre", "edad", "profesion"])
        {
            if (!seen.Contains(required))
            {
                errors[required] = ["is required."];
            }
        }
        return errors.Count > 0 || nombre is null || profesion is null || edad is null
            ? ParseResult.Invalid(errors)
            : ParseResult.Valid(new RecordRequest(nombre, edad.Value, profesion));
    }

    private static string? ReadText(ref Utf8JsonReader reader, string field, Dictionary<string, string[]> errors)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            errors[field] = [$"must be a string, not {Describe(reader.TokenType)}."];
            reader.Skip();
            return null;
        }
        var value = reader.GetString()!;
        string? problem = value.Trim().Length == 0 ? "must not be empty or only white space."
            : CountCharacters(value) > MaxTextLength ? $"must be at most {MaxTextLength} characters."
            : value.Any(char.IsControl) ? "must not contain control characters."
            : null;
        if (problem is not null)
        {
            errors[field] = [problem];
            return null;
        }
        return value;
    }

    private static int? ReadAge(ref Utf8JsonReader reader, Dictionary<string, string[]> errors)
    {
        const string range = "must be a whole number from 0 to 150.";
        if (reader.TokenType != JsonTokenType.Number)
        {
            // One sentence: what it must be, what was sent instead, and for a quoted number how to write it.
            errors["edad"] = [reader.TokenType == JsonTokenType.String
                ? "must be a whole number from 0 to 150 written without quotes (30, not \"30\")."
                : $"must be a whole number from 0 to 150, not {Describe(reader.TokenType)}."];
            reader.Skip();
            return null;
        }
        if (!reader.TryGetInt64(out var age) || age is < MinAge or > MaxAge)
        {
            errors["edad"] = [range];
            return null;
        }
        return (int)age;
    }

    /// <summary>Characters as a person counts them: Unicode scalar values, so "é" or "😀" is one.</summary>
    private static int CountCharacters(string value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            count++;
        }
        return count;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        _ => token.ToString(),
    };
}

internal sealed record ParseResult(RecordRequest? Record, IDictionary<string, string[]>? Errors, string? MalformedReason)
{
    public static ParseResult Valid(RecordRequest record) => new(record, null, null);
    public static ParseResult Invalid(IDictionary<string, string[]> errors) => new(null, errors, null);
    public static ParseResult Malformed(string reason) => new(null, null, reason);
}
