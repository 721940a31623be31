using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Aftermath;

namespace Respaldo.Tests.Operations;

/// <summary>Spans for intake, backup runs and uploads, seen by a listener in the process and by an OTLP receiver.</summary>
public sealed class TracingTests
{
    private static readonly object Valid = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };

    private static ActivityListener Listen(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Respaldo",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [Fact]
    public async Task ABackupRunIsOneSpanWithItsRunIdAndOneChildSpanPerUpload()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = Listen(stopped);
        await using var app = await new RespaldoApplication().StartAsync();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        var files = app.SpoolFiles();

        using var backup = await app.Client.PostAsync("/backup", null, Bounded());
        var runId = (await backup.Content.ReadFromJsonAsync<JsonElement>(Bounded())).GetProperty("runId").GetString();

        // Other tests run in parallel and may be traced too: pick this run's span by its id.
        var run = Assert.Single(stopped, a => a.OperationName == "backup" && (string?)a.GetTagItem("respaldo.run_id") == runId);
        Assert.Equal("http", run.GetTagItem("respaldo.trigger"));
        Assert.Equal(2, run.GetTagItem("respaldo.uploaded"));
        var uploads = stopped.Where(a => a.OperationName == "upload" && a.ParentSpanId == run.SpanId).ToList();
        Assert.Equal(files, uploads.Select(u => Path.GetFileName((string)u.GetTagItem("respaldo.key")!)).Order());
    }

    [Fact]
    public async Task EachIntakeRequestIsASpanNamingTheStoredRecord()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = Listen(stopped);
        await using var app = await new RespaldoApplication().StartAsync();

        using var stored = await app.PostRecordAsync(Valid);
        var location = stored.Headers.Location!.ToString();

        var intake = Assert.Single(stopped, a => a.OperationName == "intake" && (string?)a.GetTagItem("respaldo.record") == location);
        Assert.Null(intake.GetTagItem("respaldo.rejected"));
    }

    [Fact]
    public async Task WithAnOtlpEndpointConfiguredRunsAndMetricsAreExportedThere()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await new RespaldoApplication(
            $"--Telemetry:OtlpEndpoint={receiver.Endpoint}", "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf").StartAsync();
        (await app.PostRecordAsync(Valid)).EnsureSuccessStatusCode();
        using var backup = await app.Client.PostAsync("/backup", null, Bounded());
        var runId = (await backup.Content.ReadFromJsonAsync<JsonElement>(Bounded())).GetProperty("runId").GetString()!;

        await app.StopAsync(); // flushes the exporters

        Assert.Contains(receiver.Received("/v1/traces"), body => body.Contains(runId) && body.Contains("respaldo.run_id"));
        Assert.Contains(receiver.Received("/v1/metrics"), body => body.Contains("respaldo.records.accepted"));
    }

    [Fact]
    public async Task AnOtlpEndpointThatIsNotAUrlStopsTheProgramNamingTheKey()
    {
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await Backup.RespaldoCli.RunAsync(folder.Path, ["status", "--Telemetry:OtlpEndpoint=collector:4317"]);

        Assert.Equal(2, code);
        Assert.Contains("Telemetry:OtlpEndpoint", stdout + stderr);
    }

    /// <summary>Accepts OTLP over HTTP (protobuf) on loopback and keeps each body as text, enough to find the names in it.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Path, string Body)> _bodies = new();

        private OtlpReceiver(WebApplication app) => _app = app;

        public Uri Endpoint { get; private set; } = null!;

        public IEnumerable<string> Received(string path) => _bodies.Where(b => b.Path == path).Select(b => b.Body);

        public static async Task<OtlpReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
            var app = builder.Build();
            var receiver = new OtlpReceiver(app);
            app.MapPost("/v1/{signal}", async (HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                receiver._bodies.Enqueue((request.Path.Value!, Encoding.UTF8.GetString(body.ToArray())));
                return Results.Bytes([], "application/x-protobuf");
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            receiver.Endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
