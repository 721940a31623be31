using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace Respaldo.Backup;

/// <summary>Sorts S3 failures into the kinds a run counts, retries and reports.</summary>
internal static class S3Errors
{
    /// <param name="endpoint">Where the request went, for the messages of failures that carry no address (timeouts).</param>
    public static async Task<T> Guard<T>(Func<Task<T>> call, CancellationToken ct, string? endpoint = null)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not BackupException && !(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            throw Classify(e, endpoint);
        }
    }

    public static BackupException Classify(Exception e, string? endpoint = null)
    {
        if (e is AmazonServiceException { StatusCode: var status, ErrorCode: var code } service && status != 0)
        {
            var kind = (int)status switch
            {
                429 => ErrorKind.Throttled,
                503 when code is "SlowDown" or null or "" or "ServiceUnavailable" => ErrorKind.Throttled,
                >= 500 => ErrorKind.ServerError,
                403 => ErrorKind.AccessDenied,
                404 => ErrorKind.NotFound,
                _ when code is "RequestTimeout" => ErrorKind.Timeout,
                _ when code is "BadDigest" or "InvalidDigest" or "XAmzContentSHA256Mismatch" => ErrorKind.Verification,
                _ => ErrorKind.ClientError,
            };
            var what = kind switch
            {
                ErrorKind.AccessDenied => "access denied: check the credentials and the bucket policy",
                ErrorKind.NotFound when code == "NoSuchBucket" => "the bucket does not exist",
                _ => $"{(int)status} {code}",
            };
            return new BackupException(kind, $"S3 answered {what}: {service.Message}", e);
        }
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case TimeoutException or TaskCanceledException or OperationCanceledException:
                    return new BackupException(ErrorKind.Timeout,
                        $"The request to {endpoint ?? "the destination"} took longer than Backup:RequestTimeout allows; raise Backup:RequestTimeout for a slow or distant store, or check the network.", e);
                case SocketException s:
                    return new BackupException(ErrorKind.Network, $"Cannot reach the destination: {s.Message}", e);
                case HttpRequestException or IOException:
                    return new BackupException(ErrorKind.Network, $"Connection to the destination failed: {inner.Message}", e);
            }
        }
        if (e is AmazonClientException && e.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
        {
            return new BackupException(ErrorKind.Credentials,
                "No AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run 'aws configure'.", e);
        }
        if (e.Message.Contains("hash", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("checksum", StringComparison.OrdinalIgnoreCase))
        {
            return new BackupException(ErrorKind.Verification, $"Checksum check failed: {e.Message}", e);
        }
        return new BackupException(ErrorKind.ClientError, e.Message, e);
    }
}
