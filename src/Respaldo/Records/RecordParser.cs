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

    public static ParseResult Parse(ReadOnlySpan<byte> bytes)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return ParseResult.Malformed("The body is not valid UTF-8: send the record as UTF-8 JSON; nothing was stored.");
        }
        // RFC 8259 lets a parser ignore a leading UTF-8 byte order mark, and the FastAPI service did: skip one.
        var json = bytes.StartsWith(Utf8Bom) ? bytes[Utf8Bom.Length..] : bytes;
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            // The reader would call this "invalid JSON at line 1, byte 1"; a client that sent nothing learns more from this.
            return ParseResult.Malformed("The body is empty; send a JSON object with nombre, edad and profesion. Nothing was stored.");
        }
        try
        {
            return ParseObject(json);
        }
        catch (JsonException) when (NestingDepth(json) > MaxDepth)
        {
            return ParseResult.Malformed(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The JSON is nested deeper than {MaxDepth} levels; a record is one flat object with nombre, edad and profesion. Nothing was stored."));
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

    /// <summary>
    /// How deep the body's arrays and objects nest, counted outside strings. Only for telling a client why a body was
    /// refused: the reader's exception says so only in its (framework-worded, possibly localised) message.
    /// </summary>
    private static int NestingDepth(ReadOnlySpan<byte> json)
    {
        int depth = 0, deepest = 0;
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            switch (json[i])
            {
                case (byte)'\\' when inString:
                    i++; // the escaped byte cannot end the string
                    break;
                case (byte)'"':
                    inString = !inString;
                    break;
                case (byte)'{' or (byte)'[' when !inString:
                    deepest = Math.Max(deepest, ++depth);
                    break;
                case (byte)'}' or (byte)']' when !inString:
                    depth--;
                    break;
            }
        }
        return deepest;
    }

    [Flags]
    private enum Known { None = 0, Nombre = 1, Edad = 2, Profesion = 4 }

    /// <remarks>
    /// A valid record allocates only what it keeps (its two strings, the request): the three known names are compared
    /// as UTF-8 (escapes included) without becoming strings, and the error map and the set of other names seen exist
    /// only once there is an error or an unknown property. Every record passes through here, so this is intake's
    /// per-request garbage (bench/RESULTS.md, allocations).
    /// </remarks>
    private static ParseResult ParseObject(ReadOnlySpan<byte> bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ParseResult.Malformed("The body must be one JSON object like {\"nombre\": \"Ana\", \"edad\": 30, \"profesion\": \"Ingeniera\"}; nothing was stored.");
        }
        Dictionary<string, string[]>? errors = null;
        HashSet<string>? others = null;
        var seen = Known.None;
        string? nombre = null, profesion = null;
        int? edad = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var (known, name) = reader.ValueTextEquals("nombre"u8) ? (Known.Nombre, "nombre")
                : reader.ValueTextEquals("edad"u8) ? (Known.Edad, "edad")
                : reader.ValueTextEquals("profesion"u8) ? (Known.Profesion, "profesion")
                : (Known.None, reader.GetString()!);
            reader.Read();
            if (known == Known.None ? !(others ??= new(StringComparer.Ordinal)).Add(name) : (seen & known) != 0)
            {
                (errors ??= [])[name] = ["appears more than once; send each property once."];
                reader.Skip();
                continue;
            }
            seen |= known;
            switch (known)
            {
                case Known.Nombre:
                    nombre = ReadText(ref reader, name, ref errors);
                    break;
                case Known.Profesion:
                    profesion = ReadText(ref reader, name, ref errors);
                    break;
                case Known.Edad:
                    edad = ReadAge(ref reader, ref errors);
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
        foreach (var (required, name) in (ReadOnlySpan<(Known, string)>)[(Known.Nombre, "nombre"), (Known.Edad, "edad"), (Known.Profesion, "profesion")])
        {
            if ((seen & required) == 0)
            {
                (errors ??= [])[name] = ["is required."];
            }
        }
        return errors is not null || nombre is null || profesion is null || edad is null
            ? ParseResult.Invalid(errors ?? [])
            : ParseResult.Valid(new RecordRequest(nombre, edad.Value, profesion));
    }

    private static string? ReadText(ref Utf8JsonReader reader, string field, ref Dictionary<string, string[]>? errors)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            (errors ??= [])[field] = [$"must be a string, not {Describe(reader.TokenType)}."];
            reader.Skip();
            return null;
        }
        var value = reader.GetString()!;
        string? problem = string.IsNullOrWhiteSpace(value) ? "must not be empty or only white space."
            : CountCharacters(value) > MaxTextLength ? $"must be at most {MaxTextLength} characters."
            : HasControlCharacter(value) ? "must not contain control characters."
            : null;
        if (problem is not null)
        {
            (errors ??= [])[field] = [problem];
            return null;
        }
        return value;
    }

    /// <summary>What <see cref="char.IsControl(char)"/> means (C0, DEL and C1), without enumerating the string.</summary>
    private static bool HasControlCharacter(string value) =>
        value.AsSpan().IndexOfAnyInRange('\u0000', '\u001F') >= 0 || value.AsSpan().IndexOfAnyInRange('\u007F', '\u009F') >= 0;

    private static int? ReadAge(ref Utf8JsonReader reader, ref Dictionary<string, string[]>? errors)
    {
        const string range = "must be a whole number from 0 to 150.";
        if (reader.TokenType != JsonTokenType.Number)
        {
            // One sentence: what it must be, what was sent instead, and for a quoted number how to write it.
            (errors ??= [])["edad"] = [reader.TokenType == JsonTokenType.String
                ? "must be a whole number from 0 to 150 written without quotes (30, not \"30\")."
                : $"must be a whole number from 0 to 150, not {Describe(reader.TokenType)}."];
            reader.Skip();
            return null;
        }
        if (!reader.TryGetInt64(out var age) || age is < MinAge or > MaxAge)
        {
            (errors ??= [])["edad"] = [range];
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

internal readonly record struct ParseResult(RecordRequest? Record, IDictionary<string, string[]>? Errors, string? MalformedReason)
{
    public static ParseResult Valid(RecordRequest record) => new(record, null, null);
    public static ParseResult Invalid(IDictionary<string, string[]> errors) => new(null, errors, null);
    public static ParseResult Malformed(string reason) => new(null, null, reason);
}
