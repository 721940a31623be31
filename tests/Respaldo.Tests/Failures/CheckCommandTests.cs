using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Respaldo.Commands;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Faults;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Failures;

/// <summary>
/// <c>respaldo check</c> against a real S3 server on loopback (moto), with the AWS CLI as the independent look at
/// what it wrote; and the same probe run by <c>serve</c> at start-up.
/// </summary>
public sealed class CheckCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Aws(Uri endpoint) => new()
    {
        ["AWS_ENDPOINT_URL"] = endpoint.ToString(),
        ["AWS_ACCESS_KEY_ID"] = "test",
        ["AWS_SECRET_ACCESS_KEY"] = "test",
        ["AWS_DEFAULT_REGION"] = "us-east-1",
    };

    [Fact]
    public async Task CheckPassesAgainstAWritableBucketWritesOnlyItsProbeAndCreatesNoLocalFolder()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        using var folder = new TempFolder();
        var spool = Path.Combine(folder.Path, "not", "yet", "records");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["check", $"--Storage:Directory={spool}", $"--Backup:Destination=s3://{bucket}/records"], Aws(moto.Endpoint));

        Assert.True(code == ExitCodes.Success, stdout + stderr);
        Assert.Contains("OK   Settings are valid.", stdout);
        Assert.Contains($"OK   Storage:Directory: the spool folder {spool} is writable by user", stdout);
        Assert.Contains($"OK   Destination s3://{bucket}/records at {moto.Endpoint}", stdout);
        Assert.Matches(@"OK   Clock: within [\d.]+ s of the store's\.", stdout);
        var key = Assert.Single(await AwsCli.ListKeysAsync(moto, bucket, null, Ct));
        Assert.StartsWith("records/.respaldo-probe/", key);
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "not")), "check created the spool folder");
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }

    [Fact]
    public async Task CheckNamesTheBucketThatDoesNotExistAndExitsOne()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["check", $"--Storage:Directory={folder.Sub("records")}", "--Backup:Destination=s3://no-such-bucket-4711/records"], Aws(moto.Endpoint));

        Assert.Equal(ExitCodes.Failed, code);
        var problem = Assert.Single(stdout.Split('\n'), l => l.StartsWith("FAIL", StringComparison.Ordinal));
        Assert.Contains($"Destination s3://no-such-bucket-4711/records at {moto.Endpoint}", problem);
        Assert.Contains("the bucket does not exist", problem);
        Assert.Contains("Create the bucket, or fix the bucket name in Backup:Destination.", problem);
        StartupFailureTests.AssertPlain(stdout + stderr);
    }

    [Fact]
    public async Task CheckNamesAnEndpointThatDoesNotAnswer()
    {
        using var folder = new TempFolder();
        var endpoint = new Uri($"http://127.0.0.1:{FreePort.Next()}/");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["check", $"--Storage:Directory={folder.Sub("records")}", "--Backup:Destination=s3://my-bucket/records", "--Backup:RequestTimeout=00:00:05"], Aws(endpoint));

        Assert.Equal(ExitCodes.Failed, code);
        var problem = Assert.Single(stdout.Split('\n'), l => l.StartsWith("FAIL", StringComparison.Ordinal));
        Assert.Contains($"Destination s3://my-bucket/records at {endpoint}", problem);
        Assert.Contains("(Network)", problem);
        StartupFailureTests.AssertPlain(stdout + stderr);
    }

    [Fact]
    public async Task ATimeoutNamesTheEndpointAndTheSettingToRaise()
    {
        using var folder = new TempFolder();
        // Accepts connections and never answers.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(backlog: 16);
        var endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path,
            ["check", $"--Storage:Directory={folder.Sub("records")}", "--Backup:Destination=s3://my-bucket/records", "--Backup:RequestTimeout=00:00:01"], Aws(endpoint));

        Assert.Equal(ExitCodes.Failed, code);
        var problem = Assert.Single(stdout.Split('\n'), l => l.StartsWith("FAIL", StringComparison.Ordinal));
        // Either the request's own timeout or the probe's bound (3 × the setting) fires first; both name both.
        Assert.Contains($"at {endpoint}", problem);
        Assert.Contains("raise Backup:RequestTimeout", problem);
        StartupFailureTests.AssertPlain(stdout + stderr);
    }

    [Fact]
    public async Task CheckNamesASpoolFolderThatIsAFile()
    {
        using var folder = new TempFolder();
        var spool = folder.Sub("records");
        Directory.Delete(spool);
        await File.WriteAllTextAsync(spool, "not a folder", Ct);

        var (code, stdout, _) = await RespaldoCli.RunAsync(folder.Path,
            ["check", $"--Storage:Directory={spool}", $"--Backup:Destination={folder.Sub("backup")}"]);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains($"FAIL Storage:Directory: {spool} is a file, not a folder", stdout);
        Assert.Contains("OK   Destination directory", stdout);
    }

    [Fact]
    public async Task CheckReportsAClockThatDisagreesWithTheStore()
    {
        using var folder = new TempFolder();
        await using var store = await SkewedStore.StartAsync(TimeSpan.FromHours(1));

        var (code, stdout, _) = await RespaldoCli.RunAsync(folder.Path,
            ["check", $"--Storage:Directory={folder.Sub("records")}", "--Backup:Destination=s3://my-bucket/records"], Aws(store.Endpoint));

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Matches($@"FAIL Clock: this machine's clock is 3[56]\d\d s behind the store's \({Regex(store.Endpoint.ToString())}\)", stdout);
    }

    [Fact]
    public async Task CheckWithAnInvalidSettingExitsTwo()
    {
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path, ["check", "--Backup:Schedule=sometimes"]);

        Assert.Equal(ExitCodes.InvalidConfig, code);
        Assert.Contains("Backup:Schedule: 'sometimes' is not a cron expression", stderr);
        Assert.DoesNotContain("OK ", stdout);
    }

    [Fact]
    public async Task ServeShowsAFailedProbeInTheLogHealthzAndStatusAndKeepsTakingRecords()
    {
        using var folder = new TempFolder();
        var endpoint = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        await using var server = await RespaldoProcess.ServeAsync(folder.Path,
            [$"--Storage:Directory={folder.Sub("records")}", "--Backup:Destination=s3://my-bucket/records", "--Backup:ProbeAtStart=true"],
            Ct, Aws(endpoint));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var health = await EventuallyAsync(async () =>
            (await http.GetFromJsonAsync<JsonElement>("/healthz", Ct)) is var h && h.GetProperty("destination").ValueKind == JsonValueKind.Object ? h : (JsonElement?)null);
        var stored = await http.PostAsync("/store_data/", new StringContent("""{"nombre":"Ana","edad":30,"profesion":"Ingeniera"}""", Encoding.UTF8, "application/json"), Ct);
        var status = await http.GetFromJsonAsync<JsonElement>("/status", Ct);

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.False(health.GetProperty("destination").GetProperty("ok").GetBoolean());
        Assert.Contains($"Destination s3://my-bucket/records at {endpoint}", health.GetProperty("destination").GetProperty("problems")[0].GetString());
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.False(status.GetProperty("destinationCheck").GetProperty("ok").GetBoolean());
        Assert.Contains("Destination check failed: Destination s3://my-bucket/records", server.Output);
    }

    private static async Task<JsonElement> EventuallyAsync(Func<Task<JsonElement?>> read)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (await read() is { } value)
            {
                return value;
            }
            await Task.Delay(100, Ct);
        }
        throw new TimeoutException("The start-up probe never reported.");
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    /// <summary>An HTTP server whose clock is <c>offset</c> off: it answers every request 403 with such a Date header.</summary>
    private sealed class SkewedStore : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

        public static Task<SkewedStore> StartAsync(TimeSpan offset)
        {
            var store = new SkewedStore();
            store._listener.Start();
            store._loop = store.ServeAsync(offset);
            return Task.FromResult(store);
        }

        private async Task ServeAsync(TimeSpan offset)
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var buffer = new byte[16384];
                var read = 0;
                // Read the request head; a body, if any, is ignored and the connection closed.
                while (read < buffer.Length && !Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n"))
                {
                    var n = await stream.ReadAsync(buffer.AsMemory(read), _stop.Token);
                    if (n == 0)
                    {
                        break;
                    }
                    read += n;
                }
                var body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
                var head = $"HTTP/1.1 403 Forbidden\r\nDate: {DateTimeOffset.UtcNow.Add(offset):R}\r\nContent-Type: application/xml\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head + body), _stop.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
