using Amazon.S3;
using Amazon.S3.Model;

namespace Respaldo.Backup;

/// <summary>
/// What an S3 store said about an object it holds (the answer to a PUT or a HEAD), reduced to what verification
/// needs: the ETag, the SHA-256 checksum it reports, and how it encrypted the object.
/// </summary>
internal sealed record StoreAnswer(string? ETag, string? Sha256, string? Encryption, string? CustomerAlgorithm)
{
    public static StoreAnswer Of(PutObjectResponse r) =>
        new(r.ETag, r.ChecksumSHA256, r.ServerSideEncryptionMethod?.Value, r.ServerSideEncryptionCustomerMethod?.Value);

    public static StoreAnswer Of(GetObjectMetadataResponse r) =>
        new(r.ETag, r.ChecksumSHA256, r.ServerSideEncryptionMethod?.Value, r.ServerSideEncryptionCustomerMethod?.Value);

    /// <summary>
    /// S3 documents the ETag as the MD5 of the object's bytes only for a single-part upload that is unencrypted or
    /// encrypted with SSE-S3 (<c>AES256</c>). SSE-KMS (<c>aws:kms</c>, <c>aws:kms:dsse</c>) and SSE-C give an opaque
    /// ETag that still looks like 32 hex digits, and a multipart ETag ends in <c>-N</c>. So the store's own answer
    /// decides, never the configuration: a bucket's default encryption applies without being asked for.
    /// </summary>
    public bool EtagIsMd5 =>
        ETag?.Trim('"') is { Length: 32 } hex && hex.All(char.IsAsciiHexDigit)
        && string.IsNullOrEmpty(CustomerAlgorithm)
        && (string.IsNullOrEmpty(Encryption) || Encryption == ServerSideEncryptionMethod.AES256.Value);
}
