using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Backup;

/// <summary><c>POST /backup</c>: the run belongs to the service, so a client that gives up never cancels it.</summary>
public sealed class BackupRequestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task PostRecordsAsync(RespaldoApplication app, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var response = await app.PostRecordAsync(new { nombre = $"Persona {i}", edad = i % 150, profesion = "Tornera" });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
    }

    /// <summary>Polls (bounded) until the state shows a finished run: the run goes on in the service, not in any request.</summary>
    private static async Task<RunSummary> LastRunAsync(RespaldoApplication app)
    {
        var state = app.Services.GetRequiredService<BackupState>();
        for (var i = 0; i < 1200; i++)
        {
            if (state.Read().LastRun is { } run)
            {
                return run;
            }
            await Task.Delay(50, Ct);
        }
        throw new Xunit.Sdk.XunitException("No run finished within a minute.");
    }

    [Fact]
    public async Task AClientThatDisconnectsMidRunDoesNotCancelTheRun()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var proxy = new FaultProxy(moto.Endpoint) { Latency = TimeSpan.FromMilliseconds(100) };
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        await using var app = await S3Setup.StartAsync(moto, bucket, proxy.Endpoint, "--Backup:Concurrency=1");
        await PostRecordsAsync(app, 10);

        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var request = client.PostAsync("/backup", null, gone.Token);
        while (proxy.Requests == 0)
        {
            await Task.Delay(10, Ct); // until the run is uploading
        }
        await gone.CancelAsync(); // the client closes its connection, as a load balancer's idle timeout would
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        var run = await LastRunAsync(app);
        Assert.Equal("http", run.Trigger);
        Assert.Equal(10, run.Uploaded);
        Assert.Equal(0, run.Failed);
        Assert.Empty(Directory.GetFiles(app.SpoolDirectory, "*.json"));
        Assert.Equal(10, (await AwsCli.ListKeysAsync(moto, bucket, ct: Ct)).Count);
    }

    [Fact]
    public async Task ARunLongerThanTheRequestWaitAnswers202WithARunToPollThatEndsWithItsSummary()
    {
        await using var app = await new RespaldoApplication("--Backup:RequestWait=00:00:00").StartAsync();
        await PostRecordsAsync(app, 5);

        using var response = await app.Client.PostAsync("/backup", null, Ct);
        var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        var location = response.Headers.Location!;
        JsonElement report;
        var polls = 0;
        do
        {
            await Task.Delay(polls++ == 0 ? 0 : 50, Ct);
            report = JsonDocument.Parse(await app.Client.GetStringAsync(location, Ct)).RootElement;
        }
        while (report.GetProperty("state").GetString() == "running" && polls < 1200);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("running", accepted.GetProperty("state").GetString());
        Assert.Equal($"/backup/runs/{accepted.GetProperty("id").GetString()}", location.OriginalString);
        Assert.Equal("finished", report.GetProperty("state").GetString());
        Assert.Equal(5, report.GetProperty("summary").GetProperty("uploaded").GetInt32());
        Assert.Equal("http", report.GetProperty("summary").GetProperty("trigger").GetString());
    }

    [Fact]
    public async Task ARunThatFinishesWithinTheRequestWaitAnswers200WithItsSummary()
    {
        await using var app = await new RespaldoApplication("--Backup:RequestWait=00:01:00").StartAsync();
        await PostRecordsAsync(app, 3);

        using var response = await app.Client.PostAsync("/backup", null, Ct);
        var summary = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, summary.GetProperty("uploaded").GetInt32());
        // The summary's run id is the one /backup/runs/{id} knows.
        using var polled = await app.Client.GetAsync($"/backup/runs/{summary.GetProperty("runId").GetString()}", Ct);
        var report = JsonDocument.Parse(await polled.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
        Assert.Equal("finished", report.GetProperty("state").GetString());
    }

    [Fact]
    public async Task AnUnknownRunIdIsNotFoundWithAProblemThatSaysWhereToLook()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        using var response = await app.Client.GetAsync("/backup/runs/0123456789ab", Ct);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("GET /status", problem.GetProperty("detail").GetString());
    }
}
