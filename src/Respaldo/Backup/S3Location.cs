using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Respaldo.Backup;

/// <summary>Where an <c>s3://bucket/prefix</c> destination points, and the client configuration to reach it.</summary>
internal sealed record S3Location(string Bucket, string Prefix, Uri? Endpoint)
{
    public static bool IsS3(string destination) => destination.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);

    public static bool TryParse(string destination, out string bucket, out string prefix)
    {
        bucket = prefix = "";
        if (!IsS3(destination))
        {
            return false;
        }
        var rest = destination["s3://".Length..].Trim('/');
        var slash = rest.IndexOf('/');
        bucket = slash < 0 ? rest : rest[..slash];
        prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        return bucket.Length is >= 3 and <= 63;
    }

    /// <summary>The endpoint as the AWS CLI finds it: the setting, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL.</summary>
    public static Uri? ResolveEndpoint(BackupOptions options)
    {
        var url = FirstNonEmpty(options.ServiceUrl,
            Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3"),
            Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"));
        return url is null ? null : new Uri(url);
    }

    /// <summary>
    /// Credentials come from the SDK's standard chain (environment, profile, SSO, instance role), so a machine set
    /// up with <c>aws configure</c> just works. With a custom endpoint, ServiceURL is set and RegionEndpoint is
    /// not (setting it would send requests to AWS), and addressing is path-style unless configured otherwise.
    /// </summary>
    public static AmazonS3Client CreateClient(BackupOptions options, Uri? endpoint, AWSCredentials? credentials = null)
    {
        var config = new AmazonS3Config
        {
            Timeout = options.RequestTimeout,
            // The run retries with its own backoff and counts every attempt; the SDK must not retry underneath it.
            MaxErrorRetry = 0,
            // Always send and check checksums, whatever AWS_REQUEST_CHECKSUM_CALCULATION says: with "when_required"
            // the SDK announces a SHA-256 without sending its value, and some servers then store a wrong checksum.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_SUPPORTED,
        };
        // The SDK's chain: AWS_REGION, AWS_DEFAULT_REGION, the profile's region; else us-east-1, as the AWS CLI does for S3.
        var region = FirstNonEmpty(options.Region, Environment.GetEnvironmentVariable("AWS_REGION"),
            Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"), TryChainRegion());
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region ?? "us-east-1";
            config.ForcePathStyle = options.ForcePathStyle ?? true;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region ?? "us-east-1");
            config.ForcePathStyle = options.ForcePathStyle ?? false;
        }
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    private static string? TryChainRegion()
    {
        try
        {
            return FallbackRegionFactory.GetRegionEndpoint()?.SystemName;
        }
        catch (AmazonClientException)
        {
            return null;
        }
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
