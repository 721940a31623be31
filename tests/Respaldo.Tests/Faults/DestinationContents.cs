using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Faults;

/// <summary>What a destination really holds, key by key, read independently of Respaldo's own code.</summary>
internal static class DestinationContents
{
    public static IReadOnlyDictionary<string, byte[]> None { get; } = new Dictionary<string, byte[]>();

    /// <summary>Every file under a directory destination, keyed like S3 keys. Checksum files beside their record are not records.</summary>
    public static IReadOnlyDictionary<string, byte[]> FromDirectory(string root) => !Directory.Exists(root)
        ? None
        : Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            // A checksum file beside its record is part of the layout; one without its record is a finding.
            .Where(f => !(f.EndsWith(".sha256", StringComparison.Ordinal) && File.Exists(f[..^".sha256".Length])) && !f.EndsWith(".tmp", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes);

    /// <summary>The whole bucket as the AWS CLI downloads it; the CLI shares no code with the SDK under test.</summary>
    public static Task<IReadOnlyDictionary<string, byte[]>> FromS3Async(IS3Server server, string bucket, CancellationToken ct) =>
        AwsCli.DownloadBucketAsync(server, bucket, ct);
}
