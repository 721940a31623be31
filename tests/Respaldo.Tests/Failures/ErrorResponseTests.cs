using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Failures;

/// <summary>
/// The HTTP side of failing well: HEAD wherever GET (RFC 9110 §9.1), the content types intake takes, and every error
/// from any route or middleware as application/problem+json whose detail says what to do, whatever Accept says.
/// </summary>
public sealed class ErrorResponseTests
{
    [Theory]
    [InlineData("/healthz")]
    [InlineData("/status")]
    [InlineData("/")]
    [InlineData("/records/{id}")]
    public async Task HeadIsAnsweredWhereverGetIsWithTheSameStatusAndHeadersAndNoBody(string path)
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var id = await StoreAsync(app, Body());
        var url = path.Replace("{id}", id.ToString());

        using var get = await app.Client.GetAsync(url, Ct);
        using var head = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, url), Ct);

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Ct));
        if (get.Content.Headers.ContentLength is { } length && path is "/" or "/records/{id}")
        {
            Assert.Equal(length, head.Content.Headers.ContentLength);
        }
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("Application/JSON")]
    public async Task JsonWithAnOptionalUtf8CharsetQuotedOrNotIsAccepted(string contentType)
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var response = await PostRawAsync(app, contentType);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("application/merge-patch+json", "'application/merge-patch+json' is not accepted")]
    [InlineData("application/vnd.api+json", "'application/vnd.api+json' is not accepted")]
    [InlineData("text/json", "'text/json' is not accepted")]
    [InlineData("text/plain", "'text/plain' is not accepted")]
    [InlineData("application/json; charset=latin1", "not charset=latin1")]
    [InlineData("application/x-www-form-urlencoded", "which is what curl -d sends without a Content-Type header: add -H 'Content-Type: application/json'.")]
    [InlineData(null, "The request has no Content-Type header")]
    public async Task EveryOtherContentTypeIs415SayingWhatToSendAndWritesNothing(string? contentType, string detail)
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var response = await PostRawAsync(app, contentType);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        AssertSays(problem, detail);
        Assert.DoesNotContain(app.SpoolFiles(), f => f.EndsWith(".json", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string, HttpStatusCode, string> Errors => new()
    {
        { "GET", "/no-such-page", "", HttpStatusCode.NotFound, "There is nothing at /no-such-page" },
        { "GET", "/records/019376d2-7c1e-7b3a-9f00-5d2c1e0a4b11", "", HttpStatusCode.NotFound, "No record with id 019376d2-7c1e-7b3a-9f00-5d2c1e0a4b11" },
        { "DELETE", "/store_data/", "", HttpStatusCode.MethodNotAllowed, "DELETE is not allowed on /store_data/; use POST." },
        { "PUT", "/healthz", "", HttpStatusCode.MethodNotAllowed, "PUT is not allowed on /healthz; use GET, HEAD." },
        { "POST", "/store_data/", "{\"nombre\": \"Ana\", \"edad\": ", HttpStatusCode.BadRequest, "The body is not valid JSON" },
        { "POST", "/store_data/", "[1]", HttpStatusCode.BadRequest, "The body must be one JSON object" },
        { "POST", "/store_data/", "{\"nombre\": \"\\ud800\", \"edad\": 1, \"profesion\": \"x\"}", HttpStatusCode.BadRequest, "half of a UTF-16 surrogate pair" },
        { "POST", "/store_data/", new string('x', 20_000), HttpStatusCode.RequestEntityTooLarge, "at most 16384 bytes (Intake:MaxBodyBytes)" },
        { "POST", "/store_data/", "{\"nombre\": \"Ana\", \"edad\": 300, \"profesion\": \"x\"}", HttpStatusCode.UnprocessableEntity, "Fix the fields listed in 'errors'" },
        { "GET", "/records/not-an-id", "", HttpStatusCode.BadRequest, "A record id is a UUIDv7" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task EveryErrorIsAProblemDetailsWhateverTheClientAccepts(string method, string path, string body, HttpStatusCode status, string detail)
    {
        await using var app = await new RespaldoApplication().StartAsync();
        foreach (var accept in new[] { "text/html", "application/xml", "*/*" })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            request.Headers.Accept.ParseAdd(accept);
            if (method == "POST")
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            var response = await app.Client.SendAsync(request, Ct);

            var problem = await AssertProblemAsync(response, status);
            AssertSays(problem, detail);
        }
    }

    [Fact]
    public async Task ATooManyRequestsAnswerIsAProblemDetailsWithRetryAfter()
    {
        await using var app = await new RespaldoApplication("--Security:RateLimit:PermitsPerSecond=1", "--Security:RateLimit:Burst=1").StartAsync();
        HttpResponseMessage response;
        var sent = 0;
        do
        {
            response = await PostRawAsync(app, "application/json", accept: "text/html");
        }
        while (response.StatusCode == HttpStatusCode.Created && ++sent < 10);

        var problem = await AssertProblemAsync(response, HttpStatusCode.TooManyRequests);
        AssertSays(problem, "nothing was stored. Retry after");
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task AFullSpoolIsAProblemDetailsThatSaysToRetryLater()
    {
        await using var app = await new RespaldoApplication("--Storage:MaxBytes=1").StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await PostRawAsync(app, "application/json")).StatusCode);

        var response = await PostRawAsync(app, "application/json", accept: "text/html");

        var problem = await AssertProblemAsync(response, HttpStatusCode.InsufficientStorage);
        AssertSays(problem, "Storage:MaxBytes");
        AssertSays(problem, "retry later.");
    }

    [Fact]
    public async Task RoutingsAndIntakesUnsupportedMediaTypeAnswersHaveTheSameTitle()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var routing = await AssertProblemAsync(await PostRawAsync(app, "text/plain"), HttpStatusCode.UnsupportedMediaType);
        var intake = await AssertProblemAsync(await PostRawAsync(app, "application/json; charset=latin1"), HttpStatusCode.UnsupportedMediaType);

        Assert.Equal("Unsupported media type", routing.GetProperty("title").GetString());
        Assert.Equal("Unsupported media type", intake.GetProperty("title").GetString());
    }

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task EveryProblemsTitleIsSentenceCaseWithoutAFullStop(string method, string path, string body, HttpStatusCode status, string detail)
    {
        _ = detail;
        await using var app = await new RespaldoApplication().StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var problem = await AssertProblemAsync(await app.Client.SendAsync(request, Ct), status);

        AssertTitleStyle(problem.GetProperty("title").GetString()!);
    }

    /// <summary>"Method not allowed", "Invalid Idempotency-Key", "Malformed JSON": capital first, then lower case but for names and abbreviations.</summary>
    internal static void AssertTitleStyle(string title)
    {
        Assert.False(title.EndsWith('.'), $"'{title}' ends with a full stop");
        Assert.True(char.IsUpper(title[0]), $"'{title}' starts in lower case");
        foreach (var word in title.Split(' ').Skip(1))
        {
            var name = word.Contains('-') || word.All(c => !char.IsLower(c));
            Assert.True(name || !char.IsUpper(word[0]), $"'{title}' is not in sentence case ('{word}')");
        }
    }

    [Fact]
    public async Task AReadBackFromAnUnreachableDestinationIs503WithoutTheEndpointAndSaysWhatToDo()
    {
        var endpoint = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        await using var app = await new RespaldoApplication(
            ["--Backup:Destination=s3://records-bucket/records", "--Backup:RetryBaseDelay=00:00:00.010"],
            Backup.S3Setup.Client(endpoint)).StartAsync();

        var response = await app.Client.GetAsync("/records/019376d2-7c1e-7b3a-9f00-5d2c1e0a4b11", Ct);

        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        AssertSays(problem, "The backup destination cannot be reached");
        AssertSays(problem, "retry later");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.DoesNotContain("127.0.0.1", detail);
        Assert.DoesNotContain(endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), detail);
        Assert.DoesNotContain("http", detail);
        Assert.NotNull(response.Headers.RetryAfter);
        AssertTitleStyle(problem.GetProperty("title").GetString()!);
    }

    private static Task<HttpResponseMessage> PostRawAsync(RespaldoApplication app, string? contentType, string? accept = null)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body()));
        if (contentType is not null)
        {
            // Without validation: a quoted charset and odd capitals must reach the server exactly as written.
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        var request = new HttpRequestMessage(HttpMethod.Post, "/store_data/") { Content = content };
        if (accept is not null)
        {
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        }
        return app.Client.SendAsync(request, Ct);
    }

    /// <summary>The detail says <paramref name="expected"/>, ends a sentence, and shows no parser or framework internals.</summary>
    internal static void AssertSays(JsonElement problem, string expected)
    {
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(expected, detail);
        Assert.EndsWith(".", detail);
        foreach (var internals in new[] { "isFinalBlock", "BytePositionInLine", "LineNumber", "System.", "Exception", "Microsoft." })
        {
            Assert.DoesNotContain(internals, detail);
        }
    }
}
