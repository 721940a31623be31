using System.Diagnostics;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.MultiInstance;

/// <summary>
/// The whole bucket downloaded in one AWS CLI process (<c>aws s3 cp --recursive</c>), as an independent check of
/// hundreds of objects' bytes: one CLI process per object would take minutes.
/// </summary>
internal static class BucketCopy
{
    /// <returns>Every object's bytes by key.</returns>
    public static async Task<IReadOnlyDictionary<string, byte[]>> DownloadAsync(IS3Server server, string bucket, TempFolder into, CancellationToken ct)
    {
        var target = into.Sub("bucket-copy");
        var info = new ProcessStartInfo(ServerProcess.FindExecutable("/root/.pyenv/shims/aws", "aws"))
        {
            ArgumentList = { "--endpoint-url", server.Endpoint.ToString(), "s3", "cp", $"s3://{bucket}/", target, "--recursive", "--only-show-errors" },
        };
        // As AwsCli does: this process's credentials only, none of the machine's AWS files or settings.
        foreach (var name in new[] { "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3" })
        {
            info.Environment.Remove(name);
        }
        var noFile = Path.Combine(Path.GetTempPath(), "respaldo-tests-no-aws-config");
        info.Environment["AWS_CONFIG_FILE"] = noFile;
        info.Environment["AWS_SHARED_CREDENTIALS_FILE"] = noFile;
        info.Environment["AWS_ACCESS_KEY_ID"] = server.AccessKey;
        info.Environment["AWS_SECRET_ACCESS_KEY"] = server.SecretKey;
        info.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        info.Environment["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required";

        var (exitCode, _, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(2), ct);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"aws s3 cp --recursive failed with exit code {exitCode}: {stderr.Trim()}");
        }
        return Directory.GetFiles(target, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(target, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes);
    }
}
