using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace Respaldo.Backup;

/// <summary>
/// Large objects (bundles over <c>Backup:MultipartPartBytes</c>) as a multipart upload: every part carries its own
/// SHA-256, which the store checks on receipt, and the completed object is verified by downloading it and comparing
/// bytes (the ETag of a multipart object is no MD5, and its stored checksum is a checksum of checksums). A failed
/// upload is aborted so no parts linger.
/// </summary>
internal sealed partial class S3Destination
{
    private async Task UploadMultipartAsync(string key, ReadOnlyMemory<byte> body, byte[] sha256, string contentType, CancellationToken ct)
    {
        var initiate = new InitiateMultipartUploadRequest
        {
            BucketName = location.Bucket,
            Key = key,
            ContentType = contentType,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
        };
        initiate.Metadata[Sha256MetadataKey] = Convert.ToHexStringLower(sha256);
        if (!string.IsNullOrEmpty(_options.ServerSideEncryption))
        {
            initiate.ServerSideEncryptionMethod = new ServerSideEncryptionMethod(_options.ServerSideEncryption);
            if (!string.IsNullOrEmpty(_options.KmsKeyId))
            {
                initiate.ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId;
            }
        }
        if (!string.IsNullOrEmpty(_options.StorageClass))
        {
            initiate.StorageClass = new S3StorageClass(_options.StorageClass);
        }
        var uploadId = (await S3Errors.Guard(() => s3.InitiateMultipartUploadAsync(initiate, ct), ct)).UploadId;
        try
        {
            var parts = new List<PartETag>();
            var size = (int)_options.MultipartPartBytes;
            for (var (offset, number) = (0, 1); offset < body.Length; offset += size, number++)
            {
                var part = body.Slice(offset, Math.Min(size, body.Length - offset));
                var partSha256 = Convert.ToBase64String(SHA256.HashData(part.Span));
                var request = new UploadPartRequest
                {
                    BucketName = location.Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = number,
                    InputStream = new ReadOnlyMemoryStream(part),
                    ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
                    ChecksumSHA256 = partSha256,
                };
                if (_options.PayloadMode == PayloadMode.Plain)
                {
                    request.UseChunkEncoding = false;
                    request.MD5Digest = Convert.ToBase64String(MD5.HashData(part.Span));
                }
                var uploaded = await S3Errors.Guard(() => s3.UploadPartAsync(request, ct), ct);
                if (uploaded.ChecksumSHA256 is { Length: > 0 } echoed && echoed != partSha256)
                {
                    throw Mismatch(key, $"the store recorded a SHA-256 for part {number} that is not the part's");
                }
                parts.Add(new PartETag { PartNumber = number, ETag = uploaded.ETag, ChecksumSHA256 = partSha256 });
            }
            await S3Errors.Guard(() => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = location.Bucket,
                Key = key,
                UploadId = uploadId,
                PartETags = parts,
            }, ct), ct);
        }
        catch
        {
            try
            {
                await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = location.Bucket, Key = key, UploadId = uploadId }, CancellationToken.None);
            }
            catch (Exception e) when (e is AmazonS3Exception or HttpRequestException or IOException or OperationCanceledException)
            {
                // Best effort: a bucket lifecycle rule (AbortIncompleteMultipartUpload) removes what is left.
            }
            throw;
        }
        var stored = await GetAsync(key, ct) ?? throw Mismatch(key, "the object is missing right after its upload");
        if (!stored.Body.AsSpan().SequenceEqual(body.Span))
        {
            throw Mismatch(key, "the downloaded object differs from the bundle");
        }
    }
}
