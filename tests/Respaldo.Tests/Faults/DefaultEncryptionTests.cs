using System.Security.Cryptography;
using System.Text;
using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>
/// A bucket whose default encryption is SSE-KMS, as many companies configure it: Respaldo asks for no encryption, yet
/// every answer reports <c>x-amz-server-side-encryption: aws:kms</c> and an ETag that is 32 hex digits but not the
/// MD5 of the bytes. moto has no KMS, so the fault proxy rewrites moto's answers the way AWS S3 answers them.
/// </summary>
public sealed class DefaultEncryptionTests
{
    private const int Files = 12;

    /// <summary>Makes every answer about an object look like SSE-KMS: the encryption headers and an opaque ETag.</summary>
    private static bool AsSseKms(ProxyRequest request, List<KeyValuePair<string, string>> headers)
    {
        var etag = headers.FindIndex(h => h.Key.Equals("ETag", StringComparison.OrdinalIgnoreCase));
        if (etag < 0 || request.Method is not ("PUT" or "HEAD" or "GET"))
        {
            return false;
        }
        // Deterministic per object, like a real KMS ETag, and never the MD5 of the object's bytes.
        var opaque = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes("kms:" + request.Path)));
        headers[etag] = new("ETag", $"\"{opaque}\"");
        headers.RemoveAll(h => h.Key.StartsWith("x-amz-server-side-encryption", StringComparison.OrdinalIgnoreCase));
        headers.Add(new("x-amz-server-side-encryption", "aws:kms"));
        headers.Add(new("x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:us-east-1:111122223333:key/test"));
        return true;
    }

    private static int Count(List<ProxyRequest> seen, string method)
    {
        lock (seen)
        {
            return seen.Count(r => r.Method == method);
        }
    }

    private static List<ProxyRequest> Record(FaultProxy proxy, Func<ProxyRequest, Fault>? rule = null)
    {
        var seen = new List<ProxyRequest>();
        proxy.Rule = request =>
        {
            lock (seen)
            {
                seen.Add(request);
            }
            return rule?.Invoke(request) ?? Fault.None;
        };
        return seen;
    }

    [Fact]
    public async Task ABucketWithDefaultSseKmsStillBacksUpEveryFileVerifiedByDownload()
    {
        FaultSeed.Create(out var seed);
        await using var s = await S3Scenario.StartAsync(Files);
        s.Proxy.RewriteResponseHeaders = AsSseKms;
        var seen = Record(s.Proxy);

        var summary = await s.RunAsync();

        Assert.True((summary.Uploaded, summary.Failed, summary.Outcome) == (Files, 0, RunOutcome.Succeeded), summary.ToText());
        Assert.Empty(s.SpooledFiles());
        var check = await s.CheckAsync("after a backup to a bucket with default SSE-KMS", settled: true);
        Assert.Equal(Files, check.InDestination);
        // moto keeps the checksum a client announces, so with its custom endpoint only a download proves the bytes.
        Assert.Equal(Files, Count(seen, "GET"));
        FaultFigures.Report("DefaultSseKms", seed, s.Proxy.Injected(FaultKind.ResponseHeaders), check, summary.ToText());
    }

    [Fact]
    public async Task ABucketWithDefaultSseKmsThatStoredOtherBytesKeepsEveryFile()
    {
        FaultSeed.Create(out var seed);
        await using var s = await S3Scenario.StartAsync(Files, "--Backup:MaxAttempts=2");
        s.Proxy.RewriteResponseHeaders = AsSseKms;
        Record(s.Proxy, request => request.Method == "PUT" ? Fault.CorruptBody : Fault.None);

        var summary = await s.RunAsync();

        Assert.True((summary.Uploaded, summary.Failed) == (0, Files), summary.ToText());
        Assert.Equal(Files, summary.ErrorsByKind.GetValueOrDefault(nameof(ErrorKind.Verification)));
        Assert.Equal(2 * Files, s.Proxy.Injected(FaultKind.CorruptBody));
        Assert.Equal(Files, s.SpooledFiles().Length);
        var check = await s.CheckAsync("after SSE-KMS answers for corrupted uploads", settled: false);
        FaultFigures.Report("DefaultSseKmsCorruptBody", seed, s.Proxy.Injected(FaultKind.CorruptBody), check, summary.ToText());
    }

    [Fact]
    public async Task AStoreThatValidatesChecksumsProvesSseKmsUploadsWithoutAnotherRequest()
    {
        await using var s = await S3Scenario.StartAsync(Files, "--Backup:StoreValidatesChecksums=true");
        s.Proxy.RewriteResponseHeaders = AsSseKms;
        var seen = Record(s.Proxy);

        var summary = await s.RunAsync();

        Assert.True((summary.Uploaded, summary.Outcome) == (Files, RunOutcome.Succeeded), summary.ToText());
        Assert.Equal(Files, Count(seen, "PUT"));
        Assert.Equal(0, Count(seen, "HEAD") + Count(seen, "GET"));
        await s.CheckAsync("after checksum-verified SSE-KMS uploads", settled: true);
    }

    [Theory]
    [InlineData("\"9e107d9d372bb6826bd81d3542a419d6\"", null, null, true)]
    [InlineData("\"9e107d9d372bb6826bd81d3542a419d6\"", "AES256", null, true)]
    [InlineData("\"9e107d9d372bb6826bd81d3542a419d6\"", "aws:kms", null, false)]
    [InlineData("\"9e107d9d372bb6826bd81d3542a419d6\"", "aws:kms:dsse", null, false)]
    [InlineData("\"9e107d9d372bb6826bd81d3542a419d6\"", null, "AES256", false)]
    [InlineData("\"d41d8cd98f00b204e9800998ecf8427e-2\"", null, null, false)]
    [InlineData(null, null, null, false)]
    public void TheEtagCountsAsTheMd5OnlyWhenTheStoresAnswerSaysSo(string? etag, string? encryption, string? customer, bool md5)
    {
        Assert.Equal(md5, new StoreAnswer(etag, null, encryption, customer).EtagIsMd5);
    }
}
