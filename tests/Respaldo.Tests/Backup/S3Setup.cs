using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Respaldo.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Backup;

/// <summary>
/// Points a test's Respaldo at an S3 server on loopback. The client is built by the production code
/// (<see cref="S3Location.CreateClient"/>) from the same settings; only the credentials come from the test
/// server instead of the machine's AWS chain, because tests run in parallel in one process.
/// </summary>
internal static class S3Setup
{
    public static string[] Settings(string bucket, string prefix = "records", params string[] more) =>
        [$"--Backup:Destination=s3://{bucket}/{prefix}", "--Backup:RetryBaseDelay=00:00:00.010", .. more];

    public static Action<IServiceCollection> Client(IS3Server server, Uri? via = null) =>
        Client(via ?? server.Endpoint, server.AccessKey, server.SecretKey);

    public static Action<IServiceCollection> Client(Uri endpoint, string accessKey = "test", string secretKey = "test") => services =>
        services.AddSingleton<IAmazonS3>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<BackupOptions>>().Value;
            return S3Location.CreateClient(options, endpoint, new BasicAWSCredentials(accessKey, secretKey));
        });

    public static async Task<RespaldoApplication> StartAsync(IS3Server server, string bucket, Uri? via = null, params string[] more)
    {
        var app = new RespaldoApplication(Settings(bucket, "records", more), Client(server, via));
        return await app.StartAsync();
    }

    public static string NewBucket() => "b-" + Guid.NewGuid().ToString("N")[..16];
}
