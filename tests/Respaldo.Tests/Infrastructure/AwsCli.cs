using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Respaldo.Tests.Infrastructure;

/// <summary>
/// The real AWS CLI, as an independent check of what landed on a server: it shares no code with the SDK under test.
/// Credentials go into that one process's environment, and the user's AWS config files are hidden from it.
/// </summary>
public static class AwsCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Every key in the bucket (the CLI follows continuation tokens itself), in listing order.</summary>
    public static async Task<IReadOnlyList<string>> ListKeysAsync(
        Uri endpoint, string bucket, string? prefix = null, string accessKey = "test", string secretKey = "test", CancellationToken ct = default)
    {
        List<string> args = ["s3api", "list-objects-v2", "--bucket", bucket, "--output", "json"];
        if (prefix is not null)
        {
            args.AddRange(["--prefix", prefix]);
        }

        var json = await RunAsync(endpoint, accessKey, secretKey, args, ct);
        // An empty bucket prints nothing, or an object without "Contents", depending on the CLI version.
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("Contents", out var contents) && contents.ValueKind == JsonValueKind.Array
            ? contents.EnumerateArray().Select(o => o.GetProperty("Key").GetString()!).ToList()
            : [];
    }

    public static async Task<byte[]> GetObjectBytesAsync(
        Uri endpoint, string bucket, string key, string accessKey = "test", string secretKey = "test", CancellationToken ct = default)
    {
        using var temp = new TempFolder();
        var file = Path.Combine(temp.Path, "object");
        await RunAsync(endpoint, accessKey, secretKey, ["s3api", "get-object", "--bucket", bucket, "--key", key, file], ct);
        return await File.ReadAllBytesAsync(file, ct);
    }

    /// <summary>The head-object answer as the CLI prints it (ContentLength, ETag, Metadata, Checksum*...).</summary>
    public static async Task<JsonElement> HeadObjectAsync(
        Uri endpoint, string bucket, string key, string accessKey = "test", string secretKey = "test", CancellationToken ct = default)
    {
        var json = await RunAsync(endpoint, accessKey, secretKey, ["s3api", "head-object", "--bucket", bucket, "--key", key, "--output", "json"], ct);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static Task<IReadOnlyList<string>> ListKeysAsync(IS3Server server, string bucket, string? prefix = null, CancellationToken ct = default) =>
        ListKeysAsync(server.Endpoint, bucket, prefix, server.AccessKey, server.SecretKey, ct);

    public static Task<byte[]> GetObjectBytesAsync(IS3Server server, string bucket, string key, CancellationToken ct = default) =>
        GetObjectBytesAsync(server.Endpoint, bucket, key, server.AccessKey, server.SecretKey, ct);

    public static Task<JsonElement> HeadObjectAsync(IS3Server server, string bucket, string key, CancellationToken ct = default) =>
        HeadObjectAsync(server.Endpoint, bucket, key, server.AccessKey, server.SecretKey, ct);

    /// <summary>
    /// The whole bucket as the AWS CLI downloads it (<c>aws s3 cp --recursive</c>: one process that pages the listing
    /// itself), so hundreds of objects are checked without one CLI process each. Returns every object's bytes by key.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, byte[]>> DownloadBucketAsync(IS3Server server, string bucket, CancellationToken ct = default)
    {
        using var into = new TempFolder();
        await RunAsync(server.Endpoint, server.AccessKey, server.SecretKey,
            ["s3", "cp", "--recursive", "--only-show-errors", $"s3://{bucket}/", into.Path], ct);
        return Directory.GetFiles(into.Path, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(into.Path, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes);
    }

    private static async Task<string> RunAsync(Uri endpoint, string accessKey, string secretKey, IEnumerable<string> args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(ServerProcess.FindExecutable("/root/.pyenv/shims/aws", "aws"))
        {
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("--endpoint-url");
        info.ArgumentList.Add(endpoint.ToString());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3" })
        {
            info.Environment.Remove(name);
        }

        var noFile = Path.Combine(Path.GetTempPath(), "respaldo-tests-no-aws-config");
        info.Environment["AWS_CONFIG_FILE"] = noFile;
        info.Environment["AWS_SHARED_CREDENTIALS_FILE"] = noFile;
        info.Environment["AWS_ACCESS_KEY_ID"] = accessKey;
        info.Environment["AWS_SECRET_ACCESS_KEY"] = secretKey;
        info.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        // Return the stored bytes even when they disagree with a stored checksum: showing that is the point.
        info.Environment["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required";
        info.Environment["PYTHONIOENCODING"] = "utf-8";

        var (exitCode, stdout, stderr) = await ServerProcess.RunAsync(info, Timeout, ct);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"aws {string.Join(' ', info.ArgumentList)} failed with exit code {exitCode}: {stderr.Trim()}");
        }

        return stdout;
    }
}
