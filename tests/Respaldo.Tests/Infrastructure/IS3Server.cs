using Amazon.Runtime;
using Amazon.S3;

namespace Respaldo.Tests.Infrastructure;

/// <summary>An S3-protocol server on loopback that a test started and owns.</summary>
public interface IS3Server : IAsyncDisposable
{
    Uri Endpoint { get; }
    string AccessKey { get; }
    string SecretKey { get; }
    Task CreateBucketAsync(string name, CancellationToken ct = default);
}

public static class S3ServerExtensions
{
    /// <summary>
    /// A client for <paramref name="server"/>, or for <paramref name="via"/> (a <see cref="FaultProxy"/> in front of it).
    /// Configured as S3-NOTES says: ServiceURL + path style + signing region, and no RegionEndpoint, which would
    /// clear ServiceURL and send requests to real AWS.
    /// </summary>
    public static AmazonS3Client CreateClient(this IS3Server server, Uri? via = null, Action<AmazonS3Config>? configure = null)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = (via ?? server.Endpoint).ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        };
        configure?.Invoke(config);
        return new AmazonS3Client(new BasicAWSCredentials(server.AccessKey, server.SecretKey), config);
    }
}
