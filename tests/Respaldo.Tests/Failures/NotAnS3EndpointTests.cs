using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// M8: an endpoint that is no S3 API (a plain web server answering 404, 405, 501, an HTML page or other non-XML
/// text) gets one sentence naming the endpoint and the status, saying it does not look like S3 and what to check,
/// in <c>check</c>'s probe and in a run's summary, never the SDK's "Error making request with Error Code …".
/// </summary>
public sealed class NotAnS3EndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<int, string?, string, string> Answers => new()
    {
        // status, Content-Type, body, what the sentence says of the answer
        { 404, "text/html; charset=utf-8", "<html><body><h1>Not Found</h1></body></html>", "404 Not Found with an HTML page" },
        { 405, null, "", "405 Method Not Allowed instead" },
        { 501, null, "", "501 Not Implemented instead" },
        { 400, "text/plain", "this is not S3", "400 Bad Request with text/plain" },
        { 403, "application/json", """{"error":"forbidden"}""", "403 Forbidden with application/json" },
        { 502, "text/html", "<html>Bad Gateway</html>", "502 Bad Gateway with an HTML page" },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task AnEndpointThatIsNoS3ApiIsNamedWithItsStatusInCheckAndInTheRunSummary(int status, string? contentType, string body, string answered)
    {
        await using var web = await PlainWebServer.StartAsync(status, contentType, body);
        await using var app = await new RespaldoApplication(
            [$"--Backup:Destination=s3://my-bucket/records", $"--Backup:ServiceUrl={web.Endpoint}", "--Backup:MaxAttempts=1", "--Backup:RetryBaseDelay=00:00:00.010"],
            S3Setup.Client(web.Endpoint)).StartAsync();
        (await app.PostRecordAsync(new { nombre = "Ana", edad = 30, profesion = "Ingeniera" })).EnsureSuccessStatusCode();

        var probe = await app.Services.GetRequiredService<DestinationProbe>().RunAsync(Ct);
        var run = await app.Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: Ct);

        foreach (var text in new[] { Assert.Single(probe.Problems), Assert.Single(run.FirstErrors) })
        {
            Assert.Contains($"The endpoint {web.Endpoint} answered {answered}", text);
            Assert.Contains("it does not look like an S3 API", text);
            Assert.Contains("AWS_ENDPOINT_URL", text);
            Assert.Contains("Backup:Destination", text);
            Assert.DoesNotContain("Error making request", text);
            Assert.DoesNotContain("No further error information", text);
            Assert.DoesNotContain("Http Status Code", text);
        }
        Assert.Equal(1, run.Failed);
        Assert.DoesNotContain("Create the bucket", run.ToText()); // a 404 from a web server says nothing about buckets
    }

    /// <summary>A web server that answers every request with one fixed status and body, as a misconfigured endpoint would.</summary>
    private sealed class PlainWebServer(WebApplication app, Uri endpoint) : IAsyncDisposable
    {
        public Uri Endpoint { get; } = endpoint;

        public static async Task<PlainWebServer> StartAsync(int status, string? contentType, string body)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
            var app = builder.Build();
            app.Run(async context =>
            {
                context.Response.StatusCode = status;
                if (contentType is not null)
                {
                    context.Response.ContentType = contentType;
                }
                if (body.Length > 0 && context.Request.Method != HttpMethods.Head)
                {
                    await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body));
                }
            });
            await app.StartAsync(Ct);
            return new PlainWebServer(app, new Uri(app.Urls.First() + "/"));
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
