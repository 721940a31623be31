using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// Server-side encryption and storage class reach the stored objects, verification still proves every upload when
/// the ETag is not an MD5 (KMS), and credentials never show in logs, status, errors or dry-run output.
/// </summary>
public sealed class DataProtectionTests
{
    private const int Records = 12;
    private const string KmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Aes256AndTheStorageClassAreOnEveryStoredObject()
    {
        FaultSeed.Create(out var seed);
        await using var s = await S3Scenario.StartAsync(Records, "--Backup:ServerSideEncryption=AES256", "--Backup:StorageClass=STANDARD_IA");

        var summary = await s.RunAsync();

        Assert.True((summary.Uploaded, summary.Failed) == (Records, 0), summary.ToText());
        var keys = await AwsCli.ListKeysAsync(s.Server, s.Bucket, ct: Ct);
        Assert.Equal(Records, keys.Count);
        foreach (var key in keys.Take(3))
        {
            var head = await AwsCli.HeadObjectAsync(s.Server, s.Bucket, key, Ct);
            Assert.Equal("AES256", head.GetProperty("ServerSideEncryption").GetString());
            Assert.Equal("STANDARD_IA", head.GetProperty("StorageClass").GetString());
        }
        var check = await s.CheckAsync("after an SSE-S3 backup", settled: true);
        FaultFigures.Report("SseAes256StorageClass", seed, 0, check, summary.ToText());
    }

    [Fact]
    public async Task KmsUploadsCarryTheKeyAndAreVerifiedWithoutRelyingOnTheEtag()
    {
        FaultSeed.Create(out var seed);
        await using var s = await S3Scenario.StartAsync(Records, "--Backup:ServerSideEncryption=aws:kms", $"--Backup:KmsKeyId={KmsKeyId}");
        var puts = new ConcurrentBag<ProxyRequest>();
        int heads = 0, gets = 0;
        s.Proxy.Rule = request =>
        {
            if (request.Method == "PUT")
            {
                puts.Add(request);
            }
            else if (request.Method == "HEAD")
            {
                Interlocked.Increment(ref heads);
            }
            else if (request.Method == "GET")
            {
                Interlocked.Increment(ref gets);
            }
            return Fault.None;
        };

        var summary = await s.RunAsync();

        Assert.True((summary.Uploaded, summary.Failed) == (Records, 0), summary.ToText());
        Assert.Equal(Records, puts.Count);
        Assert.All(puts, put =>
        {
            Assert.Equal("aws:kms", put.Header("x-amz-server-side-encryption"));
            Assert.Equal(KmsKeyId, put.Header("x-amz-server-side-encryption-aws-kms-key-id"));
        });
        // The ETag of a KMS object is not its MD5, and a checksum echoed by a store that is not AWS proves nothing (moto
        // keeps whatever checksum the client announced; Backup:StoreValidatesChecksums is off): each upload was proven by
        // downloading it and comparing the bytes.
        Assert.Equal(0, heads);
        Assert.Equal(Records, gets);
        var head = await AwsCli.HeadObjectAsync(s.Server, s.Bucket, (await AwsCli.ListKeysAsync(s.Server, s.Bucket, ct: Ct))[0], Ct);
        Assert.Equal("aws:kms", head.GetProperty("ServerSideEncryption").GetString());
        var check = await s.CheckAsync("after an SSE-KMS backup", settled: true);
        FaultFigures.Report("SseKms", seed, 0, check,
            $"{summary.ToText()} HEAD: {head.GetProperty("ServerSideEncryption")} {head.GetProperty("SSEKMSKeyId")}");
    }

    [Fact]
    public async Task WithKmsAndVerifyDownloadACorruptedUploadIsCaughtAndRetried()
    {
        // With KMS the ETag proves nothing and a HEAD returns the checksum the client announced, which a store that
        // does not validate checksums (moto) keeps even for other bytes: Verify=Download is the proof left there.
        var random = FaultSeed.Create(out var seed);
        await using var s = await S3Scenario.StartAsync(Records,
            "--Backup:ServerSideEncryption=aws:kms", $"--Backup:KmsKeyId={KmsKeyId}", "--Backup:Verify=Download", "--Backup:MaxAttempts=4");
        var corrupted = new HashSet<string>();
        s.Proxy.Rule = request =>
        {
            lock (corrupted)
            {
                return request.Method == "PUT" && random.Next(2) == 0 && corrupted.Add(request.Path) ? Fault.CorruptBody : Fault.None;
            }
        };

        var summary = await s.RunAsync();

        Assert.True((summary.Uploaded, summary.Failed) == (Records, 0), summary.ToText());
        Assert.Equal(s.Proxy.Injected(FaultKind.CorruptBody), summary.ErrorsByKind.GetValueOrDefault("retried-Verification"));
        var check = await s.CheckAsync("after an SSE-KMS backup with corrupted uploads", settled: true);
        FaultFigures.Report("SseKmsCorruptBodyVerifyDownload", seed, s.Proxy.Injected(FaultKind.CorruptBody), check, summary.ToText());
    }

    [Fact]
    public async Task CredentialsNeverAppearInLogsStatusErrorsOrDryRunOutput()
    {
        FaultSeed.Create(out var seed);
        var secret = "S3cr3t-" + Guid.NewGuid().ToString("N");
        var accessKey = "AKIA" + Guid.NewGuid().ToString("N")[..16].ToUpperInvariant();
        await using var moto = await MotoServer.StartAsync(Ct);
        await using var proxy = new FaultProxy(moto.Endpoint);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        using var root = new TempFolder();
        var ledger = new Ledger();
        await using (var intake = await new RespaldoApplication([], null, root).StartAsync())
        {
            for (var i = 0; i < Records; i++)
            {
                Assert.NotNull(await ledger.PostAsync(intake.Client, i, Ct));
            }
        }
        var spool = Path.Combine(root.Path, "records");
        var env = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = proxy.Endpoint.ToString(),
            ["AWS_ACCESS_KEY_ID"] = accessKey,
            ["AWS_SECRET_ACCESS_KEY"] = secret,
            ["AWS_DEFAULT_REGION"] = "us-east-1",
            ["Logging__LogLevel__Default"] = "Trace",
        };
        string[] common = [$"--Storage:Directory={spool}", $"--Backup:Destination=s3://{bucket}/records", "--Backup:MaxAttempts=2",
            "--Backup:RetryBaseDelay=00:00:00.010", "--Backup:ServerSideEncryption=aws:kms", $"--Backup:KmsKeyId={KmsKeyId}"];
        var outputs = new List<(string What, string Text)>();

        async Task RunAsync(string what, int expectedCode, params string[] args)
        {
            var (code, stdout, stderr) = await RespaldoCli.RunAsync(root.Path, args, env);
            outputs.Add((what, stdout + stderr));
            Assert.True(code == expectedCode, $"{what}: exit {code}\n{stdout}\n{stderr}");
        }

        await RunAsync("backup --dry-run", 0, ["backup", "--dry-run", .. common]);
        proxy.Rule = request => request.Method == "PUT" ? Fault.Status(403, "SignatureDoesNotMatch") : Fault.None;
        await RunAsync("backup refused (403)", 1, ["backup", .. common]);
        proxy.Rule = _ => Fault.Reset;
        await RunAsync("backup unreachable", 1, ["backup", .. common]);
        await RunAsync("status", 0, ["status", "--json", .. common]);
        proxy.Rule = _ => Fault.None;
        await RunAsync("backup --json", 0, ["backup", "--json", .. common]);

        // The service, with every log level on, answering status after a run.
        await using (var server = await RespaldoProcess.ServeAsync(root.Path,
            [.. common, "--Backup:Schedule=off", "--Logging:LogLevel:Default=Trace"], Ct, env))
        {
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            Assert.NotNull(await ledger.PostAsync(http, 99, Ct));
            proxy.Rule = _ => Fault.Status(403, "InvalidAccessKeyId");
            outputs.Add(("POST /backup refused", await (await http.PostAsync("/backup", null, Ct)).Content.ReadAsStringAsync(Ct)));
            outputs.Add(("GET /status", await http.GetStringAsync("/status", Ct)));
            proxy.Rule = _ => Fault.None;
            var run = await (await http.PostAsync("/backup", null, Ct)).Content.ReadAsStringAsync(Ct);
            outputs.Add(("POST /backup", run));
            Assert.True(JsonDocument.Parse(run).RootElement.GetProperty("failed").GetInt32() == 0, run + "\n" + server.Output);
            outputs.Add(("service log", server.Output));
        }
        outputs.Add(("state file", File.ReadAllText(Path.Combine(spool, ".respaldo", "state.json"))));

        foreach (var (what, text) in outputs)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{what} shows the secret key:\n{text}");
            Assert.False(text.Contains(accessKey, StringComparison.Ordinal), $"{what} shows the access key id:\n{text}");
        }
        Assert.Contains(outputs, o => o.What == "backup refused (403)" && o.Text.Contains("access denied"));
        Assert.Contains(outputs, o => o.What == "service log" && o.Text.Length > 0);
        var check = ledger.Check(spool, await DestinationContents.FromS3Async(moto, bucket, Ct));
        FaultFigures.Report("CredentialsNeverShown", seed, Enum.GetValues<FaultKind>().Sum(k => (long)proxy.Injected(k)), check,
            $"{outputs.Count} outputs checked, {outputs.Sum(o => o.Text.Length)} characters");
    }
}
