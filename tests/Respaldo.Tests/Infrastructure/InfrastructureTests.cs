using System.Net;
using System.Net.Http.Headers;
using Amazon.S3;
using Amazon.S3.Model;

namespace Respaldo.Tests.Infrastructure;

/// <summary>The fixtures other tests rely on, checked against the real servers and the real AWS CLI.</summary>
public sealed class InfrastructureTests
{
    private const string Bucket = "infra";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnSdkUploadToMotoReadsBackIdenticallyThroughTheAwsCli()
    {
        await using var moto = await StartMotoAsync();
        using var s3 = moto.CreateClient();
        var body = Payload(5_000);

        // SDK defaults: aws-chunked body with a CRC32 trailer, which moto decodes.
        await s3.PutObjectAsync(Put("records/a.json", body), Ct);

        Assert.Equal(["records/a.json"], await AwsCli.ListKeysAsync(moto, Bucket, "records/", Ct));
        Assert.Empty(await AwsCli.ListKeysAsync(moto, Bucket, "nothing/", Ct));
        Assert.Equal(body, await AwsCli.GetObjectBytesAsync(moto, Bucket, "records/a.json", Ct));
        Assert.Equal(body.Length, (await AwsCli.HeadObjectAsync(moto, Bucket, "records/a.json", Ct)).GetProperty("ContentLength").GetInt64());
    }

    [Fact]
    public async Task APlainBodyUploadToS3rverReadsBackIdenticallyThroughTheAwsCli()
    {
        await using var s3rver = await S3rverServer.StartAsync(Ct);
        await s3rver.CreateBucketAsync(Bucket, Ct);
        using var s3 = s3rver.CreateClient();
        var body = Payload(5_000);

        var put = Put("records/b.json", body);
        put.UseChunkEncoding = false;
        await s3.PutObjectAsync(put, Ct);

        Assert.Equal(["records/b.json"], await AwsCli.ListKeysAsync(s3rver, Bucket, ct: Ct));
        Assert.Equal(body, await AwsCli.GetObjectBytesAsync(s3rver, Bucket, "records/b.json", Ct));
        Assert.True(File.Exists(Path.Combine(s3rver.DataDirectory, Bucket, "records", "b.json._S3rver_object")));
    }

    [Fact]
    public async Task TheProxyPassesRequestsThroughUnchanged()
    {
        await using var moto = await StartMotoAsync();
        await using var proxy = new FaultProxy(moto.Endpoint);
        using var s3 = moto.CreateClient(proxy.Endpoint);
        // Large enough for several aws-chunked chunks; small, empty and plain bodies; a key that needs encoding.
        var objects = new Dictionary<string, byte[]>
        {
            ["big.bin"] = Payload(1_000_000), ["small.json"] = Payload(80), ["empty"] = [], ["dir/ä b+c.json"] = Payload(300),
        };
        foreach (var (key, body) in objects)
        {
            var put = Put(key, body);
            put.UseChunkEncoding = key != "small.json";
            await s3.PutObjectAsync(put, Ct);
        }

        foreach (var (key, body) in objects)
        {
            Assert.Equal(body, await AwsCli.GetObjectBytesAsync(moto, Bucket, key, Ct));
            using var got = await s3.GetObjectAsync(Bucket, key, Ct);
            using var copy = new MemoryStream();
            await got.ResponseStream.CopyToAsync(copy, Ct);
            Assert.Equal(body, copy.ToArray());
        }

        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket }, Ct);
        Assert.Equal(objects.Keys.Order(StringComparer.Ordinal), listed.S3Objects.Select(o => o.Key));
        Assert.True(proxy.Requests >= 2 * objects.Count + 1);
        Assert.Empty(proxy.Errors);
    }

    [Fact]
    public async Task AnExpectContinueRequestIsAnsweredWithoutWaitingOutTheContinueTimeout()
    {
        await using var moto = await StartMotoAsync();
        await using var proxy = new FaultProxy(moto.Endpoint);
        // If the proxy neither sent 100 Continue nor forwarded Expect, this client would wait a minute before sending.
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(proxy.Endpoint, $"/{Bucket}/expect.txt")) { Content = new ByteArrayContent(Payload(100)) };
        request.Headers.ExpectContinue = true;
        request.Headers.Authorization = new AuthenticationHeaderValue("AWS4-HMAC-SHA256", "Credential=test/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0");

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Payload(100), await AwsCli.GetObjectBytesAsync(moto, Bucket, "expect.txt", Ct));
    }

    [Fact]
    public async Task AnInjected503SurfacesAsAnAmazonS3ExceptionWithStatus503()
    {
        await using var moto = await StartMotoAsync();
        await using var proxy = new FaultProxy(moto.Endpoint) { Rule = r => r.Method == "PUT" ? Fault.SlowDown : Fault.None };
        using var s3 = moto.CreateClient(proxy.Endpoint, NoRetries);

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutObjectAsync(Put("slow.json", Payload(100)), Ct));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal("SlowDown", error.ErrorCode);
        Assert.Equal(1, proxy.Injected(FaultKind.Status));
        Assert.Empty(await AwsCli.ListKeysAsync(moto, Bucket, ct: Ct));
        proxy.Rule = _ => Fault.None;
        await s3.PutObjectAsync(Put("slow.json", Payload(100)), Ct); // the same client recovers once the fault is lifted
    }

    [Fact]
    public async Task AnInjectedResetSurfacesAsAnIOExceptionAndStoresNothing()
    {
        await using var moto = await StartMotoAsync();
        await using var proxy = new FaultProxy(moto.Endpoint) { Rule = _ => Fault.Reset };
        using var s3 = moto.CreateClient(proxy.Endpoint, NoRetries);

        await Assert.ThrowsAnyAsync<IOException>(() => s3.PutObjectAsync(Put("reset.json", Payload(100)), Ct));

        Assert.Equal(1, proxy.Injected(FaultKind.Reset));
        Assert.Empty(await AwsCli.ListKeysAsync(moto, Bucket, ct: Ct));
    }

    [Fact]
    public async Task TheSdkRetriesAResetConnectionEvenWithMaxErrorRetryZero()
    {
        await using var moto = await StartMotoAsync();
        var resets = 0;
        await using var proxy = new FaultProxy(moto.Endpoint) { Rule = _ => Interlocked.Increment(ref resets) <= 3 ? Fault.Reset : Fault.None };
        // MaxStaleConnectionRetries (default 10) is a separate budget for "connection reset" and "broken pipe".
        using var s3 = moto.CreateClient(proxy.Endpoint, c => c.MaxErrorRetry = 0);

        await s3.PutObjectAsync(Put("retried.json", Payload(100)), Ct);

        Assert.Equal(3, proxy.Injected(FaultKind.Reset));
        Assert.Equal(Payload(100), await AwsCli.GetObjectBytesAsync(moto, Bucket, "retried.json", Ct));
    }

    [Fact]
    public async Task ACorruptedBodyIsStoredByMotoWhileTheSdkCallSucceeds()
    {
        await using var moto = await StartMotoAsync();
        await using var proxy = new FaultProxy(moto.Endpoint) { Rule = r => r.Method == "PUT" ? Fault.CorruptBody : Fault.None };
        using var s3 = moto.CreateClient(proxy.Endpoint);
        var body = Payload(200_000);

        var response = await s3.PutObjectAsync(Put("corrupt.bin", body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
        var stored = await AwsCli.GetObjectBytesAsync(moto, Bucket, "corrupt.bin", Ct);
        Assert.Equal(body.Length, stored.Length);
        Assert.Equal(1, body.Zip(stored).Count(pair => pair.First != pair.Second));
        Assert.Equal(1, proxy.Injected(FaultKind.CorruptBody));
    }

    [Fact]
    public async Task AStalledRequestTripsTheClientTimeout()
    {
        await using var moto = await StartMotoAsync();
        await using var proxy = new FaultProxy(moto.Endpoint) { Rule = _ => Fault.Stall(TimeSpan.FromMinutes(5)) };
        using var s3 = moto.CreateClient(proxy.Endpoint, c => { NoRetries(c); c.Timeout = TimeSpan.FromSeconds(1); });

        // The bound is far below the stall, so only the client's own timeout can end the call before it.
        var call = s3.PutObjectAsync(Put("stalled.json", Payload(100)), Ct);
        Assert.Same(call, await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(30), Ct)));
        await Assert.ThrowsAsync<TimeoutException>(() => call);

        Assert.Equal(1, proxy.Injected(FaultKind.Stall));
    }

    [Fact]
    public async Task ForwardThenResetStoresTheObjectButTheClientSeesAnError()
    {
        await using var moto = await StartMotoAsync();
        await using var proxy = new FaultProxy(moto.Endpoint) { Rule = r => r.Method == "PUT" ? Fault.ForwardThenReset : Fault.None };
        using var s3 = moto.CreateClient(proxy.Endpoint, NoRetries);
        var body = Payload(1_000);

        await Assert.ThrowsAnyAsync<IOException>(() => s3.PutObjectAsync(Put("landed.json", body), Ct));

        Assert.Equal(body, await AwsCli.GetObjectBytesAsync(moto, Bucket, "landed.json", Ct));
        Assert.Equal(1, proxy.Injected(FaultKind.ForwardThenReset));
    }

    [Fact]
    public async Task LatencyDelaysEveryRequestByAtLeastTheConfiguredTime()
    {
        await using var moto = await StartMotoAsync();
        await using var proxy = new FaultProxy(moto.Endpoint) { Latency = TimeSpan.FromMilliseconds(300) };
        using var s3 = moto.CreateClient(proxy.Endpoint);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await s3.PutObjectAsync(Put("a", Payload(10)), Ct);
        await s3.PutObjectAsync(Put("b", Payload(10)), Ct);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(600), $"two requests took {clock.Elapsed}");
    }

    private static void NoRetries(AmazonS3Config config)
    {
        config.MaxErrorRetry = 0;
        config.MaxStaleConnectionRetries = 0;
    }

    private static async Task<MotoServer> StartMotoAsync()
    {
        var moto = await MotoServer.StartAsync(Ct);
        try
        {
            await moto.CreateBucketAsync(Bucket, Ct);
            return moto;
        }
        catch
        {
            await moto.DisposeAsync();
            throw;
        }
    }

    private static PutObjectRequest Put(string key, byte[] body) =>
        new() { BucketName = Bucket, Key = key, InputStream = new MemoryStream(body) };

    // Deterministic but not repetitive, so a shifted or reframed byte cannot go unnoticed.
    private static byte[] Payload(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }
}
