using System.Net;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Records;

/// <summary>
/// Every validation rule at its boundary: a value just inside is stored as sent, a value just outside gets a
/// 422 ValidationProblem naming the field, and nothing is written.
/// </summary>
public sealed class ValidationTests
{
    [Theory]
    [InlineData("nombre", "")]
    [InlineData("nombre", " ")]
    [InlineData("nombre", "   \t  ")]
    [InlineData("nombre", "\u00A0\u2003\u3000")]
    [InlineData("profesion", "")]
    [InlineData("profesion", "    ")]
    [InlineData("profesion", "\u00A0\u2003\u3000")]
    public async Task EmptyOrWhiteSpaceTextIsRejectedAndNothingIsWritten(string field, string value)
    {
        await AssertRejectedAsync(BodyWith(field, JsonSerializer.Serialize(value)), field);
    }

    [Theory]
    [InlineData("nombre", "a")]
    [InlineData("nombre", "ñ")]
    [InlineData("nombre", "😀")]
    [InlineData("nombre", "王")]
    [InlineData("profesion", "a")]
    [InlineData("profesion", "😀")]
    public async Task TextOf200CharactersIsStoredAsSent(string field, string character)
    {
        // 200 emoji are 400 UTF-16 units and 800 bytes: the limit counts characters (Unicode scalars).
        var value = string.Concat(Enumerable.Repeat(character, 200));
        await using var app = await new RespaldoApplication().StartAsync();

        var id = await StoreAsync(app, BodyWith(field, JsonSerializer.Serialize(value)));

        using var stored = JsonDocument.Parse(ReadRecordFile(app, id));
        Assert.Equal(value, stored.RootElement.GetProperty(field).GetString());
    }

    [Theory]
    [InlineData("nombre", "a")]
    [InlineData("nombre", "😀")]
    [InlineData("profesion", "a")]
    [InlineData("profesion", "王")]
    public async Task TextOf201CharactersIsRejectedAndNothingIsWritten(string field, string character)
    {
        await AssertRejectedAsync(BodyWith(field, JsonSerializer.Serialize(string.Concat(Enumerable.Repeat(character, 201)))), field);
    }

    [Theory]
    [InlineData("nombre", "null")]
    [InlineData("nombre", "42")]
    [InlineData("nombre", "[\"Ana\"]")]
    [InlineData("profesion", "null")]
    [InlineData("profesion", "true")]
    [InlineData("profesion", "{}")]
    public async Task TextThatIsNotAStringIsRejectedAndNothingIsWritten(string field, string json)
    {
        await AssertRejectedAsync(BodyWith(field, json), field);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("150")]
    public async Task EdadAtEitherEndOfTheRangeIsStored(string edad)
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var id = await StoreAsync(app, BodyWith("edad", edad));

        using var stored = JsonDocument.Parse(ReadRecordFile(app, id));
        Assert.Equal(int.Parse(edad), stored.RootElement.GetProperty("edad").GetInt32());
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("151")]
    [InlineData("30.5")]
    [InlineData("\"30\"")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("[30]")]
    [InlineData("1e2")]
    [InlineData("99999999999999999999")]
    public async Task EdadOutsideZeroTo150OrNotAnIntegerIsRejectedAndNothingIsWritten(string edad)
    {
        await AssertRejectedAsync(BodyWith("edad", edad), "edad");
    }

    [Fact]
    public async Task EdadOf151IsRejectedAndNothingIsWritten()
    {
        var problem = await AssertRejectedAsync(BodyWith("edad", "151"), "edad");

        Assert.Contains("150", problem.GetProperty("errors").GetProperty("edad")[0].GetString());
    }

    [Theory]
    [InlineData("\"30\"", "must be a whole number from 0 to 150 written without quotes (30, not \"30\").")]
    [InlineData("true", "must be a whole number from 0 to 150, not a boolean.")]
    [InlineData("null", "must be a whole number from 0 to 150, not null.")]
    [InlineData("[30]", "must be a whole number from 0 to 150, not an array.")]
    public async Task EdadOfTheWrongTypeGetsOneSentenceThatSaysWhatToSend(string edad, string message)
    {
        var problem = await AssertRejectedAsync(BodyWith("edad", edad), "edad");

        var error = Assert.Single(problem.GetProperty("errors").GetProperty("edad").EnumerateArray()).GetString()!;
        Assert.Equal(message, error);
        Assert.Single(error.Split(". "));
    }

    [Theory]
    [InlineData("nombre")]
    [InlineData("edad")]
    [InlineData("profesion")]
    public async Task AMissingFieldIsRejectedAndNothingIsWritten(string field)
    {
        await AssertRejectedAsync(BodyWith(field, null), field);
    }

    [Fact]
    public async Task EveryOffendingFieldIsListedInOneAnswer()
    {
        var problem = await AssertRejectedAsync("""{"nombre": "  ", "edad": 151, "profesion": ""}""", "edad", "nombre", "profesion");

        Assert.Contains("nothing was stored", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AnEmptyObjectListsAllThreeFieldsAsRequired()
    {
        var problem = await AssertRejectedAsync("{}", "edad", "nombre", "profesion");

        foreach (var field in problem.GetProperty("errors").EnumerateObject())
        {
            Assert.Contains("required", field.Value[0].GetString());
        }
    }

    /// <summary>A valid body with <paramref name="field"/> set to raw JSON, or left out when null.</summary>
    private static string BodyWith(string field, string? json)
    {
        var fields = new Dictionary<string, string> { ["nombre"] = "\"Ana\"", ["edad"] = "30", ["profesion"] = "\"Ingeniera\"" };
        if (json is null)
        {
            fields.Remove(field);
        }
        else
        {
            fields[field] = json;
        }
        return "{" + string.Join(", ", fields.Select(f => $"\"{f.Key}\": {f.Value}")) + "}";
    }

    /// <summary>Posts <paramref name="body"/>, asserts a 422 whose errors name exactly <paramref name="fields"/>, and that nothing was written.</summary>
    private static async Task<JsonElement> AssertRejectedAsync(string body, params string[] fields)
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var before = FilesUnder(app.SpoolDirectory);

        var response = await PostAsync(app, body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var errors = problem.GetProperty("errors");
        Assert.Equal(fields.Order(), errors.EnumerateObject().Select(e => e.Name).Order());
        foreach (var error in errors.EnumerateObject())
        {
            Assert.NotEmpty(error.Value.EnumerateArray());
            Assert.All(error.Value.EnumerateArray(), m => Assert.False(string.IsNullOrWhiteSpace(m.GetString())));
        }
        Assert.Equal(before, FilesUnder(app.SpoolDirectory));
        Assert.Empty(app.SpoolFiles());
        return problem;
    }
}
