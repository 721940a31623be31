using System.Diagnostics;
using System.Text;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>What a destination really holds, key by key, read independently of Respaldo's own code.</summary>
internal static class DestinationContents
{
    public static IReadOnlyDictionary<string, byte[]> None { get; } = new Dictionary<string, byte[]>();

    /// <summary>Every file under a directory destination, keyed like S3 keys. Checksum files are not records.</summary>
    public static IReadOnlyDictionary<string, byte[]> FromDirectory(string root) => !Directory.Exists(root)
        ? None
        : Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".sha256", StringComparison.Ordinal) && !f.EndsWith(".tmp", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes);

    /// <summary>
    /// The whole bucket as the AWS CLI downloads it (<c>aws s3 cp --recursive</c>: one process, it pages the listing
    /// itself). The CLI shares no code with the SDK under test.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, byte[]>> FromS3Async(IS3Server server, string bucket, CancellationToken ct)
    {
        using var into = new TempFolder();
        var info = new ProcessStartInfo(ServerProcess.FindExecutable("/root/.pyenv/shims/aws", "aws"))
        {
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            ArgumentList = { "--endpoint-url", server.Endpoint.ToString(), "s3", "cp", "--recursive", "--only-show-errors", $"s3://{bucket}/", into.Path },
        };
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
        // Download what is stored even when it disagrees with a stored checksum: finding that is the point.
        info.Environment["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required";
        var (exitCode, _, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(2), ct);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"aws s3 cp --recursive s3://{bucket}/ failed with exit code {exitCode}: {stderr.Trim()}");
        }
        return FromDirectory(into.Path);
    }
}
