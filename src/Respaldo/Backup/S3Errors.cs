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
        if (e is AmazonServiceException { StatusCode: not 0 } notS3 && NotAnS3Answer(notS3, endpoint) is { } foreign)
        {
            return foreign;
        }
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

    /// <summary>
    /// The SDK's sentence when an error answer held no S3 error document ("Error making request with Error Code
    /// NotImplemented and Http Status Code NotImplemented. No further error information was returned by the
    /// service.") says nothing a person can act on. Such an answer usually means the endpoint is no S3 API at all (a
    /// web server, a proxy's error page, the wrong port), so say that, with the endpoint and the status. An answer
    /// with S3's request id is S3's own (a HEAD's errors have no body) and keeps its usual meaning.
    /// </summary>
    private static BackupException? NotAnS3Answer(AmazonServiceException e, string? endpoint)
    {
        var response = e.InnerException is Amazon.Runtime.Internal.HttpErrorResponseException inner ? inner.Response : null;
        var noErrorDocument = e.Message.StartsWith("Error making request with Error Code", StringComparison.Ordinal)
            || e.Message.Contains("No further error information was returned", StringComparison.Ordinal);
        if (!noErrorDocument || response?.IsHeaderPresent("x-amz-request-id") == true)
        {
            return null;
        }
        var status = (int)e.StatusCode;
        var contentType = response?.IsHeaderPresent("Content-Type") == true ? response.GetHeaderValue("Content-Type") : null;
        var body = contentType switch
        {
            null or "" => "",
            _ when contentType.Contains("html", StringComparison.OrdinalIgnoreCase) => " with an HTML page",
            _ => $" with {contentType.Split(';')[0].Trim()}",
        };
        var reason = System.Net.HttpStatusCode.IsDefined(e.StatusCode)
            ? Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) : "";
        // A gateway's error page may be passing: those keep a retryable kind. Anything else will answer the same again.
        var kind = status is 429 ? ErrorKind.Throttled : status is >= 500 and not 501 and not 505 ? ErrorKind.ServerError : ErrorKind.ClientError;
        return new BackupException(kind,
            $"The endpoint {endpoint ?? "of the destination"} answered {status}{(reason.Length > 0 ? " " + reason : "")}{body} instead of an S3 answer: it does not look like an S3 API. "
            + "Check the endpoint (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or Backup:ServiceUrl: scheme, host and port of the S3 service) and the bucket in Backup:Destination.", e);
    }
}
