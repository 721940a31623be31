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
    private const string Key = "a-long-enough-test-key-0123456789";
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

    [Fact]
    public async Task EveryProblemTheApiCanAnswerHasATypeTitleStatusAndDetail()
    {
        await using var app = await new RespaldoApplication(
            $"--Security:ApiKeys:0={Key}", "--Security:RateLimit:PermitsPerSecond=1", "--Security:RateLimit:Burst=1").StartAsync();
        await using var full = await new RespaldoApplication("--Storage:MaxBytes=1").StartAsync();
        await using var unreachable = await new RespaldoApplication(
            ["--Backup:Destination=s3://records-bucket/records", "--Backup:RetryBaseDelay=00:00:00.010"],
            Backup.S3Setup.Client(new Uri($"http://127.0.0.1:{FreePort.Next()}"))).StartAsync();
        await using var tampered = await new RespaldoApplication().StartAsync();
        var tamperedId = await TamperedBackupAsync(tampered);
        var answers = new List<(HttpStatusCode Expected, HttpResponseMessage Response)>
        {
            (HttpStatusCode.BadRequest, await full.PostRawAsync("{")),
            (HttpStatusCode.BadRequest, await full.Client.GetAsync("/records/not-an-id", Ct)),
            (HttpStatusCode.Unauthorized, await app.Client.GetAsync("/status", Ct)),
            (HttpStatusCode.NotFound, await full.Client.GetAsync("/no-such-page", Ct)),
            (HttpStatusCode.NotFound, await full.Client.GetAsync($"/records/{Guid.CreateVersion7()}", Ct)),
            (HttpStatusCode.MethodNotAllowed, await full.Client.DeleteAsync("/store_data/", Ct)),
            (HttpStatusCode.RequestEntityTooLarge, await full.PostRawAsync(new string('x', 20_000))),
            (HttpStatusCode.UnsupportedMediaType, await full.PostRawAsync("{}", "text/plain")),
            (HttpStatusCode.UnprocessableEntity, await full.PostRawAsync("{}")),
            (HttpStatusCode.Conflict, await ReusedIdempotencyKeyAsync(unreachable)),
            (HttpStatusCode.BadGateway, await tampered.Client.GetAsync($"/records/{tamperedId}", Ct)),
            (HttpStatusCode.ServiceUnavailable, await unreachable.Client.GetAsync($"/records/{Guid.CreateVersion7()}", Ct)),
            (HttpStatusCode.InsufficientStorage, await FillAsync(full)),
            (HttpStatusCode.TooManyRequests, await FloodAsync(app)),
        };

        foreach (var (expected, response) in answers)
        {
            var problem = await ProblemAsync(response, expected);
            var type = problem.GetProperty("type").GetString();
            Assert.Equal(ProblemTypes.For((int)expected), type);
            Assert.StartsWith("https://tools.ietf.org/html/rfc", type);
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), $"{(int)expected} has no title");
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), $"{(int)expected} has no detail");
        }
    }

    [Fact]
    public async Task EveryErrorStatusTheOpenApiDocumentListsHasAnRfcType()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var document = await app.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        var statuses = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject())
            .Where(operation => operation.Value.TryGetProperty("responses", out _))
            .SelectMany(operation => operation.Value.GetProperty("responses").EnumerateObject()
                .Select(r => int.TryParse(r.Name, System.Globalization.CultureInfo.InvariantCulture, out var status) ? status : 0))
            .Where(status => status >= 400).Distinct().ToList();

        Assert.Contains(429, statuses);
        Assert.Contains(507, statuses);
        Assert.All(statuses, status => Assert.StartsWith("https://tools.ietf.org/html/rfc", ProblemTypes.For(status)));
    }

    [Fact]
    public async Task AWrongKeyIsNotAcceptedAndAMissingOneIsRequiredNeitherEchoingAKey()
    {
        const string wrong = "this-is-not-the-configured-key-42";
        await using var app = await new RespaldoApplication($"--Security:ApiKeys:0={Key}").StartAsync();
        using var withWrongKey = new HttpRequestMessage(HttpMethod.Get, "/status");
        withWrongKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", wrong);

        var missing = await app.Client.GetAsync("/status", Ct);
        var wrongAnswer = await app.Client.SendAsync(withWrongKey, Ct);

        var missingProblem = await ProblemAsync(missing, HttpStatusCode.Unauthorized);
        var wrongProblem = await ProblemAsync(wrongAnswer, HttpStatusCode.Unauthorized);
        Assert.Equal("API key required", missingProblem.GetProperty("title").GetString());
        Assert.Equal("API key not accepted", wrongProblem.GetProperty("title").GetString());
        Assert.Equal("Bearer realm=\"respaldo\"", missing.Headers.WwwAuthenticate.ToString());
        Assert.Contains("error=\"invalid_token\"", wrongAnswer.Headers.WwwAuthenticate.ToString());
        var wrongText = await wrongAnswer.Content.ReadAsStringAsync(Ct) + wrongAnswer.Headers;
        Assert.DoesNotContain(wrong, wrongText);
        Assert.DoesNotContain(Key, wrongText);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    private static async Task<HttpResponseMessage> ReusedIdempotencyKeyAsync(RespaldoApplication app)
    {
        async Task<HttpResponseMessage> PostAsync(int edad)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/store_data/")
            {
                Content = new StringContent($$"""{"nombre":"Ana","edad":{{edad}},"profesion":"x"}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", "order-1");
            return await app.Client.SendAsync(request, Ct);
        }
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(30)).StatusCode);
        return await PostAsync(31);
    }

    /// <summary>A record backed up to the directory destination whose stored copy was then changed: its read-back is a 502.</summary>
    private static async Task<Guid> TamperedBackupAsync(RespaldoApplication app)
    {
        var receipt = await (await app.PostRawAsync("""{"nombre":"Ana","edad":30,"profesion":"x"}""")).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = receipt.GetProperty("id").GetGuid();
        Assert.Equal(1, (await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct)).Uploaded);
        var stored = Directory.GetFiles(app.BackupDirectory, $"{id}.json", SearchOption.AllDirectories).Single();
        await File.WriteAllTextAsync(stored, """{"nombre":"Eve"}""", Ct);
        return id;
    }

    private static async Task<HttpResponseMessage> FillAsync(RespaldoApplication app)
    {
        Assert.Equal(HttpStatusCode.Created, (await app.PostRawAsync("""{"nombre":"Ana","edad":30,"profesion":"x"}""")).StatusCode);
        return await app.PostRawAsync("""{"nombre":"Ana","edad":30,"profesion":"x"}""");
    }

    private static async Task<HttpResponseMessage> FloodAsync(RespaldoApplication app)
    {
        for (var sent = 0; sent < 20; sent++)
        {
            var response = await app.PostRawAsync("""{"nombre":"Ana","edad":30,"profesion":"x"}""");
            if (response.StatusCode != HttpStatusCode.Created)
            {
                return response;
            }
        }
        throw new InvalidOperationException("The rate limit never answered 429.");
    }
}
