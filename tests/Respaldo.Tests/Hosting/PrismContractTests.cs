using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Respaldo.Tests.Failures;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Hosting;

/// <summary>
/// The contract tests' traffic (IntakeContractTests, ErrorResponseTests, ReadBackTests, BackupRequestTests) sent through
/// Stoplight Prism, a validator that shares nothing with the code that writes the OpenAPI document: every answer, success
/// or error, must be one the document describes (status, media type, schema, headers). Left out, because Prism cannot
/// carry or judge them: bodies that are not JSON under a JSON content type (Prism parses the body before forwarding), and
/// paths or methods the document does not have (routing's 404 and 405, and <c>/store_data</c> without the slash, an alias
/// the document leaves out), which Prism answers itself.
/// </summary>
public sealed class PrismContractTests
{
    private const string Key = "prism-contract-key-0123456789";

    [Fact]
    public async Task EverySuccessAndErrorOfTheContractTrafficIsDescribedByTheOpenApiDocument()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        using var folder = new TempFolder();
        await using var prism = await PrismProxy.StartAsync(app, folder.Path);
        var traffic = new Traffic(prism);

        var created = await traffic.PostAsync(Body(), HttpStatusCode.Created);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString();
        await traffic.PostAsync(Body(), HttpStatusCode.Created, headers: [("Idempotency-Key", "order-4711")]);
        var replay = await traffic.PostAsync(Body(), HttpStatusCode.Created, headers: [("Idempotency-Key", "order-4711")]);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        await traffic.PostAsync(Body("Otra"), HttpStatusCode.Conflict, headers: [("Idempotency-Key", "order-4711")]);
        await traffic.PostAsync(Body(), HttpStatusCode.BadRequest, headers: [("Idempotency-Key", new string('k', 300))]);
        await traffic.PostAsync(Body(edad: "300"), HttpStatusCode.UnprocessableEntity);
        await traffic.PostAsync(Body(edad: "\"30\""), HttpStatusCode.UnprocessableEntity);
        await traffic.PostAsync("{}", HttpStatusCode.UnprocessableEntity);
        await traffic.PostAsync(Body(nombre: new string('x', 20_000)), HttpStatusCode.RequestEntityTooLarge);
        foreach (var contentType in new[] { "text/plain", "application/x-www-form-urlencoded", "application/merge-patch+json", "application/json; charset=latin1" })
        {
            await traffic.PostAsync(Body(), HttpStatusCode.UnsupportedMediaType, contentType);
        }

        await traffic.SendAsync(HttpMethod.Get, $"/records/{id}", HttpStatusCode.OK);
        await traffic.SendAsync(HttpMethod.Get, "/healthz", HttpStatusCode.OK);
        await traffic.SendAsync(HttpMethod.Get, "/status", HttpStatusCode.OK);
        await traffic.SendAsync(HttpMethod.Get, "/records/not-an-id", HttpStatusCode.BadRequest);
        await traffic.SendAsync(HttpMethod.Get, "/records/019376d2-7c1e-7b3a-9f00-5d2c1e0a4b11", HttpStatusCode.NotFound);

        var backup = await traffic.SendAsync(HttpMethod.Post, "/backup", HttpStatusCode.OK);
        var runId = JsonDocument.Parse(await backup.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("runId").GetString();
        await traffic.SendAsync(HttpMethod.Get, $"/backup/runs/{runId}", HttpStatusCode.OK);
        await traffic.SendAsync(HttpMethod.Get, "/backup/runs/no-such-run", HttpStatusCode.NotFound);
        await traffic.SendAsync(HttpMethod.Get, $"/records/{id}", HttpStatusCode.OK); // now from the backup

        traffic.AssertNoViolations();
    }

    [Fact]
    public async Task HeadAnswersAreDescribedByTheOpenApiDocument()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var id = await StoreAsync(app, Body());
        using var folder = new TempFolder();
        await using var prism = await PrismProxy.StartAsync(app, folder.Path);
        var traffic = new Traffic(prism);

        foreach (var path in new[] { $"/records/{id}", "/healthz", "/status", $"/records/019376d2-7c1e-7b3a-9f00-5d2c1e0a4b11" })
        {
            using var direct = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Ct);
            var proxied = await traffic.SendAsync(HttpMethod.Head, path, expected: null);
            if (proxied.StatusCode == HttpStatusCode.InternalServerError && direct.StatusCode != HttpStatusCode.InternalServerError
                && await prism.SaysAsync("invalid json response body"))
            {
                // Prism 5.16's proxy parses the body of every JSON answer, and a HEAD answer has none: it fails before
                // validating anything. Not a weaker check in its place: the test says it could not run.
                Assert.Skip($"Stoplight Prism cannot proxy HEAD {path} (answered {(int)direct.StatusCode} by the service): it parses the empty body of a JSON answer and fails, so HEAD answers are not validated. ErrorResponseTests checks that HEAD answers as GET does.");
            }
            Assert.Equal(direct.StatusCode, proxied.StatusCode);
        }
        traffic.AssertNoViolations();
    }

    [Fact]
    public async Task RefusalsUnderLimitsKeysAndAnUnreachableDestinationAreDescribedByTheOpenApiDocument()
    {
        await using var app = await new RespaldoApplication(
            ["--Storage:MaxBytes=1", "--Security:RateLimit:PermitsPerSecond=1", "--Security:RateLimit:Burst=3", $"--Security:ApiKeys:0={Key}",
             "--Backup:Destination=s3://records-bucket/records", "--Backup:RetryBaseDelay=00:00:00.010"],
            Backup.S3Setup.Client(new Uri($"http://127.0.0.1:{FreePort.Next()}"))).StartAsync();
        using var folder = new TempFolder();
        await using var prism = await PrismProxy.StartAsync(app, folder.Path);
        var traffic = new Traffic(prism);

        // A key Prism's own security check accepts (it sees a bearer token) but the service does not know.
        await traffic.SendAsync(HttpMethod.Get, "/status", HttpStatusCode.Unauthorized, bearer: "not-one-of-the-configured-keys");
        await traffic.SendAsync(HttpMethod.Get, "/records/019376d2-7c1e-7b3a-9f00-5d2c1e0a4b11", HttpStatusCode.ServiceUnavailable, bearer: Key);
        await traffic.SendAsync(HttpMethod.Get, "/healthz", HttpStatusCode.OK);
        await traffic.PostAsync(Body(), HttpStatusCode.Created);
        var full = await traffic.PostAsync(Body(), HttpStatusCode.InsufficientStorage);
        Assert.NotNull(full.Headers.RetryAfter);
        HttpResponseMessage limited;
        var sent = 0;
        do
        {
            limited = await traffic.PostAsync(Body(), expected: null);
        }
        while (limited.StatusCode != HttpStatusCode.TooManyRequests && ++sent < 30);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        traffic.AssertNoViolations();
    }

    [Fact]
    public async Task ADocumentThatLeavesOutAStatusCodeIsCaught()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        using var folder = new TempFolder();
        // The document with the 422 of POST /store_data/ removed, as a forgotten ProducesValidationProblem would.
        await using var prism = await PrismProxy.StartAsync(app, folder.Path, WithoutStatus("/store_data/", "post", "422"));
        var traffic = new Traffic(prism);

        await traffic.PostAsync(Body(edad: "300"), expected: null);

        Assert.Contains(traffic.Violations, v => v.StartsWith("POST /store_data/", StringComparison.Ordinal));
    }

    private static Func<string, string> WithoutStatus(string path, string method, string status) => text =>
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        var responses = document["paths"]![path]![method]!["responses"]!.AsObject();
        Assert.True(responses.Remove(status), $"the document has no {status} for {method} {path} to remove");
        return document.ToJsonString();
    };

    /// <summary>Requests through Prism, each answer's status checked, every violation Prism reports collected.</summary>
    private sealed class Traffic(PrismProxy prism)
    {
        public List<string> Violations { get; } = [];

        public Task<HttpResponseMessage> PostAsync(string body, HttpStatusCode? expected, string contentType = "application/json",
            (string Name, string Value)[]? headers = null)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            var request = new HttpRequestMessage(HttpMethod.Post, "/store_data/") { Content = content };
            foreach (var (name, value) in headers ?? [])
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            return SendAsync(request, expected);
        }

        public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpStatusCode? expected, string? bearer = null)
        {
            var request = new HttpRequestMessage(method, path);
            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }
            return SendAsync(request, expected);
        }

        private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpStatusCode? expected)
        {
            var what = $"{request.Method} {request.RequestUri}";
            var response = await prism.SendAsync(request, Violations);
            if (expected is { } status)
            {
                Assert.True(response.StatusCode == status,
                    $"{what} answered {(int)response.StatusCode}, expected {(int)status}: {await response.Content.ReadAsStringAsync(Ct)}\n{string.Join('\n', Violations)}");
            }
            if ((int)response.StatusCode >= 400 && request.Method != HttpMethod.Head)
            {
                var problem = await AssertProblemAsync(response, response.StatusCode);
                ErrorResponseTests.AssertTitleStyle(problem.GetProperty("title").GetString()!);
            }
            return response;
        }

        public void AssertNoViolations() =>
            Assert.True(Violations.Count == 0, "Prism found answers the OpenAPI document does not describe:\n" + string.Join('\n', Violations));
    }
}
