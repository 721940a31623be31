using System.Diagnostics;
using System.Runtime.CompilerServices;
using Amazon.S3.Model;

namespace Respaldo.Tests.Infrastructure;

/// <summary>
/// A private s3rver (npm s3rver@3.7.1, pinned in tests/s3rver) on a free loopback port, storing objects as files in
/// its own temp folder. Only accepts the access key S3RVER; stores aws-chunked bodies verbatim, so upload with
/// <c>UseChunkEncoding = false</c>.
/// </summary>
public sealed class S3rverServer : IS3Server
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private readonly ServerProcess _process;
    private readonly TempFolder _data;

    private S3rverServer(ServerProcess process, TempFolder data)
    {
        _process = process;
        _data = data;
    }

    public Uri Endpoint => _process.Endpoint;
    public string AccessKey => "S3RVER";
    public string SecretKey => "S3RVER";

    /// <summary>Where s3rver keeps buckets (folders) and objects (<c>bucket/key._S3rver_object</c> files).</summary>
    public string DataDirectory => _data.Path;

    public static async Task<S3rverServer> StartAsync(CancellationToken ct = default)
    {
        var package = Path.Combine(RepositoryRoot(), "tests", "s3rver");
        var script = Path.Combine(package, "node_modules", "s3rver", "bin", "s3rver.js");
        await EnsureInstalledAsync(package, script, ct);
        var node = ServerProcess.FindExecutable("/usr/bin/node", "node");
        var data = new TempFolder();
        try
        {
            var process = await ServerProcess.StartAsync("s3rver", port =>
            {
                var info = new ProcessStartInfo(node)
                {
                    ArgumentList = { script, "-d", data.Path, "-a", "127.0.0.1", "-p", port.ToString(), "--silent" },
                    WorkingDirectory = package,
                };
                // On Node 17+ ListObjectsV2 paging fails with 500 without the legacy OpenSSL provider.
                info.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
                return info;
            }, ct);
            return new S3rverServer(process, data);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    public async Task CreateBucketAsync(string name, CancellationToken ct = default)
    {
        using var client = this.CreateClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name }, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _data.Dispose();
    }

    // Parallel tests would otherwise run two `npm ci` over the same node_modules at once.
    private static async Task EnsureInstalledAsync(string package, string script, CancellationToken ct)
    {
        await InstallLock.WaitAsync(ct);
        try
        {
            if (File.Exists(script))
            {
                return;
            }

            var npm = ServerProcess.FindExecutable("/usr/bin/npm", "npm");
            var info = new ProcessStartInfo(npm) { ArgumentList = { "ci", "--no-audit", "--no-fund" }, WorkingDirectory = package };
            var (exitCode, stdout, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(5), ct);
            if (exitCode != 0 || !File.Exists(script))
            {
                throw new InvalidOperationException($"npm ci in {package} failed with exit code {exitCode}:\n{stdout}\n{stderr}");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>
    /// The folder holding Respaldo.slnx. Build output can live outside the repository (ArtifactsPath), so after the
    /// binaries' folder and the working directory, fall back to where this source file was compiled from.
    /// </summary>
    private static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        string[] starts = [AppContext.BaseDirectory, Environment.CurrentDirectory, Path.GetDirectoryName(sourceFile) ?? ""];
        foreach (var start in starts)
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Respaldo.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException($"No Respaldo.slnx above {string.Join(", ", starts)}.");
    }
}
