using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace Respaldo.Backup;

/// <summary>An S3 bucket (AWS or any S3-compatible store) as the backup destination: verified puts, checked gets, listing.</summary>
internal sealed partial class S3Destination(IAmazonS3 s3, S3Location location, IOptions<BackupOptions> options) : IBackupDestination
{
    public const string Sha256MetadataKey = "sha256";
    private readonly BackupOptions _options = options.Value;

    public string Description => $"s3://{location.Bucket}/{location.Prefix}" + (location.Endpoint is { } e ? $" at {e}" : "");

    public string Prefix => location.Prefix;

    /// <summary>The store's address as a person configured it, for messages: the custom endpoint, or AWS S3 and the bucket.</summary>
    private string Endpoint => location.Endpoint is { } e ? e.ToString() : $"AWS S3 (bucket {location.Bucket})";

    public async Task UploadAsync(string key, ReadOnlyMemory<byte> body, byte[] sha256, string contentType, CancellationToken ct)
    {
        if (body.Length > _options.MultipartPartBytes)
        {
            await UploadMultipartAsync(key, body, sha256, contentType, ct);
            return;
        }
        var md5 = MD5.HashData(body.Span);
        var request = new PutObjectRequest
        {
            BucketName = location.Bucket,
            Key = key,
            InputStream = new ReadOnlyMemoryStream(body),
            ContentType = contentType,
            // The store checks this checksum against the bytes it receives and rejects a mismatch.
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            AutoCloseStream = true,
        };
        request.Metadata[Sha256MetadataKey] = Convert.ToHexStringLower(sha256);
        if (_options.PayloadMode == PayloadMode.Plain)
        {
            // For servers that store aws-chunked framing as the body: send the plain bytes, with the
            // checksums computed up front as headers instead of as a trailer.
            request.UseChunkEncoding = false;
            request.ChecksumSHA256 = Convert.ToBase64String(sha256);
            request.MD5Digest = Convert.ToBase64String(md5);
        }
        if (!string.IsNullOrEmpty(_options.ServerSideEncryption))
        {
            request.ServerSideEncryptionMethod = new ServerSideEncryptionMethod(_options.ServerSideEncryption);
            if (!string.IsNullOrEmpty(_options.KmsKeyId))
            {
                request.ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId;
            }
        }
        if (!string.IsNullOrEmpty(_options.StorageClass))
        {
            request.StorageClass = new S3StorageClass(_options.StorageClass);
        }

        var response = await S3Errors.Guard(() => s3.PutObjectAsync(request, ct), ct, Endpoint);
        await VerifyAsync(key, body, Convert.ToBase64String(sha256), md5, StoreAnswer.Of(response), ct);
    }

    /// <summary>
    /// Proves the stored object equals the local bytes before the caller may delete them, judging each proof by
    /// what the store answered, not by configuration: a bucket's default encryption (SSE-KMS is common) changes
    /// the ETag without Respaldo asking for it. A SHA-256 the store echoes must be the file's; it proves the bytes
    /// where the store computes it from what it received and refuses a mismatch (<see cref="ChecksumValidated"/>).
    /// The ETag proves them where it is the MD5 of the stored bytes (<see cref="StoreAnswer.EtagIsMd5"/>). Without
    /// either proof the object is downloaded and compared byte for byte.
    /// </summary>
    private async Task VerifyAsync(string key, ReadOnlyMemory<byte> body, string sha256, byte[] md5, StoreAnswer put, CancellationToken ct)
    {
        if (put.Sha256 is { Length: > 0 } echoed && echoed != sha256)
        {
            // The store recorded a checksum other than the file's: a later verified read would fail. When its ETag
            // shows the bytes arrived intact, the checksum is the store's own doing and sending them again cannot
            // change it; otherwise the bytes may have been damaged on the way, which a retry can fix.
            var bytesIntact = put.EtagIsMd5 && !IsKmsConfigured
                && string.Equals(put.ETag!.Trim('"'), Convert.ToHexStringLower(md5), StringComparison.OrdinalIgnoreCase);
            throw bytesIntact
                ? Mismatch(key, $"the store answered the SHA-256 {echoed} for bytes whose SHA-256 is {sha256} although its ETag shows they arrived intact: it does not keep the checksum it is sent, so a verified read would fail, and retrying cannot change that", permanent: true)
                : Mismatch(key, "the store recorded a SHA-256 that is not the file's");
        }
        try
        {
            if (_options.Verify == VerifyMode.Auto && Proves(key, put, sha256, md5, body.Length))
            {
                return;
            }
        }
        catch (BackupException e) when (e.Kind == ErrorKind.Verification && !e.Permanent)
        {
            throw await WithStoredLengthAsync(key, body.Length, e, ct);
        }
        // A HEAD can prove more than the PUT's answer only when it may carry a checksum that counts, or when asked for.
        if (_options.Verify == VerifyMode.Head || (_options.Verify == VerifyMode.Auto && ChecksumValidated))
        {
            var head = await S3Errors.Guard(() => s3.GetObjectMetadataAsync(new GetObjectMetadataRequest
            {
                BucketName = location.Bucket,
                Key = key,
                ChecksumMode = ChecksumMode.ENABLED,
            }, ct), ct, Endpoint);
            if (head.ContentLength != body.Length)
            {
                throw LengthMismatch(key, head.ContentLength, body.Length);
            }
            var answer = StoreAnswer.Of(head);
            if (answer.Sha256 is { Length: > 0 } stored && stored != sha256)
            {
                throw Mismatch(key, "the stored SHA-256 differs from the file's");
            }
            if (Proves(key, answer, sha256, md5, body.Length))
            {
                return;
            }
        }
        var downloaded = await GetAsync(key, ct) ?? throw Mismatch(key, "the object is missing right after its upload");
        if (downloaded.Body.Length != body.Length)
        {
            throw LengthMismatch(key, downloaded.Body.Length, body.Length);
        }
        if (!downloaded.Body.AsSpan().SequenceEqual(body.Span))
        {
            throw Mismatch(key, "the downloaded object differs from the file");
        }
    }

    /// <summary>True when <paramref name="answer"/> proves the bytes; throws when it proves they differ.</summary>
    private bool Proves(string key, StoreAnswer answer, string sha256, byte[] md5, int length)
    {
        if (ChecksumValidated && answer.Sha256 == sha256)
        {
            return true;
        }
        if (!answer.EtagIsMd5 || IsKmsConfigured)
        {
            return false;
        }
        if (!string.Equals(answer.ETag!.Trim('"'), Convert.ToHexStringLower(md5), StringComparison.OrdinalIgnoreCase))
        {
            throw Mismatch(key, $"the store's ETag {answer.ETag} is not the MD5 of the {length} bytes sent");
        }
        return true;
    }

    /// <summary>
    /// Whether a SHA-256 the store echoes was computed by the store from the bytes it received. AWS S3 does this and
    /// rejects an upload whose bytes do not match; some S3-compatible stores (moto among them) keep whatever checksum
    /// the client announced, even for other bytes, so with a custom endpoint it counts only when configured so. The
    /// client's own configuration says where requests really go (a ServiceURL means not AWS).
    /// </summary>
    private bool ChecksumValidated => _options.StoreValidatesChecksums ?? string.IsNullOrEmpty(s3.Config.ServiceURL);

        public async Task<byte[]?> DownloadVerifiedAsync(string key, CancellationToken ct)
    {
        if (await GetAsync(key, ct) is not { } got)
        {
            return null;
        }
        var actual = Convert.ToHexStringLower(SHA256.HashData(got.Body));
        if (got.Sha256Hex is { } expected && !string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw Mismatch(key, "its bytes do not match the SHA-256 stored with it");
        }
        return got.Body;
    }

    public async IAsyncEnumerable<string> ListKeysAsync(string keyPrefix, [EnumeratorCancellation] CancellationToken ct)
    {
        var request = new ListObjectsV2Request { BucketName = location.Bucket, Prefix = keyPrefix };
        ListObjectsV2Response page;
        do
        {
            page = await S3Errors.Guard(() => s3.ListObjectsV2Async(request, ct), ct, Endpoint);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return item.Key;
            }
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
    }

    private async Task<(byte[] Body, string? Sha256Hex)?> GetAsync(string key, CancellationToken ct)
    {
        try
        {
            // The body is read inside the guard too: a checksum mismatch or a dropped connection surfaces while
            // reading, and must become a (retryable) BackupException like any other failure of the request.
            return await S3Errors.Guard(async () =>
            {
                using var response = await s3.GetObjectAsync(new GetObjectRequest
                {
                    BucketName = location.Bucket,
                    Key = key,
                    // The SDK then checks the body against the stored checksum while reading it.
                    ChecksumMode = ChecksumMode.ENABLED,
                }, ct);
                using var buffer = new MemoryStream();
                await response.ResponseStream.CopyToAsync(buffer, ct);
                return ((byte[] Body, string? Sha256Hex)?)(buffer.ToArray(), response.Metadata[Sha256MetadataKey]);
            }, ct, Endpoint);
        }
        catch (BackupException e) when (e.Kind == ErrorKind.NotFound && e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound, ErrorCode: not "NoSuchBucket" })
        {
            return null;
        }
    }

    /// <summary>A store that does not report its encryption may still apply the KMS encryption configured here.</summary>
    private bool IsKmsConfigured => _options.ServerSideEncryption?.StartsWith("aws:kms", StringComparison.Ordinal) == true;

    /// <summary>A read-only stream over the file's bytes, so uploads and retries never copy them.</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => memory.Length;
        public override long Position { get => _position; set => _position = (int)value; }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => memory.Length + offset,
        };
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
