using System.Diagnostics;
using Amazon.S3.Model;

namespace Respaldo.Tests.Infrastructure;

/// <summary>
/// A private moto_server on a free loopback port: in-memory, accepts any credentials, checks no signatures.
/// <code>await using var moto = await MotoServer.StartAsync();</code>
/// </summary>
public sealed class MotoServer : IS3Server
{
    private readonly ServerProcess _process;

    private MotoServer(ServerProcess process) => _process = process;

    public Uri Endpoint => _process.Endpoint;
    public string AccessKey => "test";
    public string SecretKey => "test";

    public static async Task<MotoServer> StartAsync(CancellationToken ct = default)
    {
        // The pyenv shim, not whichever python3 is first on PATH: Debian's /usr/bin/python3 has no moto.
        var executable = ServerProcess.FindExecutable("/root/.pyenv/shims/moto_server", "moto_server");
        var process = await ServerProcess.StartAsync("moto_server", port =>
        {
            var info = new ProcessStartInfo(executable) { ArgumentList = { "-H", "127.0.0.1", "-p", port.ToString() } };
            info.Environment["PYTHONUNBUFFERED"] = "1";
            return info;
        }, ct);
        return new MotoServer(process);
    }

    public async Task CreateBucketAsync(string name, CancellationToken ct = default)
    {
        using var client = this.CreateClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name }, ct);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
