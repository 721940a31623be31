using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Respaldo.Backup;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Deployment;

/// <summary>
/// The Native AOT executable that deploy/publish.sh makes: it runs with no .NET on the machine, serves, backs up
/// to S3, stops cleanly on SIGTERM, and needs nothing the systemd unit's sandbox forbids.
/// </summary>
public sealed partial class PublishTests(PublishedExecutable published) : IClassFixture<PublishedExecutable>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThePublishedExecutableTakesARecordStopsCleanlyOnSigtermAndBacksItUpToS3()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        using var temp = new TempFolder();
        var environment = Settings(temp, moto, bucket, moto.Endpoint);

        byte[] served;
        await using (var service = await published.StartAsync(environment))
        {
            using var client = new HttpClient { BaseAddress = service.Address };
            var posted = await client.PostAsJsonAsync("/store_data/", new { nombre = "Zoë 🌻", edad = 27, profesion = "Traductora" }, Ct);
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
            served = await client.GetByteArrayAsync(posted.Headers.Location, Ct);

            // Exit code 0 on SIGTERM: systemd's Restart=on-failure must not restart a service that was stopped.
            Assert.Equal(0, await service.TerminateAsync());
        }
        var id = JsonDocument.Parse(served).RootElement.GetProperty("id").GetGuid();
        var (exitCode, stdout, stderr) = await published.RunAsync(environment, "backup");

        Assert.True(exitCode == 0, $"{stdout}\n{stderr}");
        Assert.Contains("Succeeded", stdout);
        Assert.Equal(served, await AwsCli.GetObjectBytesAsync(moto, bucket, KeyLayout.KeyFor("records", id), Ct));
        Assert.Empty(Directory.GetFiles(Path.Combine(temp.Path, "records"), "*.json"));
    }

    [Fact]
    public async Task ThePublishedExecutableIsNativeCodeThatNeedsOnlyGlibcAndRunsWithNoDotnetInstalled()
    {
        // Linked against glibc alone (a self-contained .NET build also needs libstdc++, libgcc_s and libz).
        var (lddCode, ldd, lddError) = await ServerProcess.RunAsync(new ProcessStartInfo("ldd") { ArgumentList = { published.Program } }, TimeSpan.FromSeconds(30), Ct);
        Assert.True(lddCode == 0, lddError);
        var libraries = ldd.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => Path.GetFileName(l.Split(' ')[0])).Where(l => !l.StartsWith("linux-vdso", StringComparison.Ordinal)).Order();
        Assert.Equal(["ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6"], libraries);

        // No .NET on the machine: in a private mount namespace an empty tmpfs covers the installed SDK and runtimes,
        // and the program backs up (an empty spool) all the same, from a bare environment.
        var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var (probe, _, _) = await ServerProcess.RunAsync(new ProcessStartInfo("unshare") { ArgumentList = { "--mount", "true" } }, TimeSpan.FromSeconds(30), Ct);
        Assert.SkipUnless(probe == 0, "unshare --mount is not permitted here (needs root or CAP_SYS_ADMIN)");
        using var temp = new TempFolder();
        var hidden = $"mount -t tmpfs none '{dotnetRoot}' && test ! -e '{dotnetRoot}/dotnet' && exec env -i PATH=/usr/bin:/bin HOME='{temp.Path}' \"$0\" \"$@\"";
        var info = new ProcessStartInfo("unshare") { WorkingDirectory = temp.Path };
        foreach (var arg in (string[])["--mount", "--propagation", "private", "/bin/sh", "-c", hidden, published.Program, "backup",
            $"--Storage:Directory={temp.Sub("records")}", $"--Backup:Destination={temp.Sub("backup")}"])
        {
            info.ArgumentList.Add(arg);
        }
        var (exitCode, stdout, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(1), Ct);

        Assert.True(exitCode == 0, $"{stdout}\n{stderr}");
        Assert.Contains("Succeeded", stdout);
    }

    [Fact]
    public async Task ThePublishedExecutableUsesOnlySystemCallsAndAddressFamiliesTheUnitAllows()
    {
        var strace = ServerProcess.FindExecutable("/usr/bin/strace", "strace");
        var analyze = ServerProcess.FindExecutable("/usr/bin/systemd-analyze", "systemd-analyze");
        Assert.SkipUnless(File.Exists(strace) && File.Exists(analyze), "strace and systemd-analyze are not both installed");
        var unit = UnitFile.Shipped("respaldo.service");
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        using var temp = new TempFolder();
        var trace = Path.Combine(temp.Path, "trace");
        // "localhost" rather than an address, so name resolution runs too, as it would for a real endpoint.
        var environment = Settings(temp, moto, bucket, new UriBuilder(moto.Endpoint) { Host = "localhost" }.Uri);

        await using (var service = await published.StartAsync(environment, [strace, "-f", "-qq", "-o", trace]))
        {
            using var client = new HttpClient { BaseAddress = service.Address };
            var posted = await client.PostAsJsonAsync("/store_data/", new { nombre = "Ana", edad = 30, profesion = "Médica" }, Ct);
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
            var run = await client.PostAsync("/backup", null, Ct);
            Assert.Equal(1, (await run.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("uploaded").GetInt32());
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/status", Ct)).StatusCode);
            var traced = int.Parse(File.ReadAllText($"/proc/{service.ProcessId}/task/{service.ProcessId}/children").Split(' ')[0]);
            await service.TerminateAsync(traced);
        }
        var lines = await File.ReadAllLinesAsync(trace, Ct);
        var used = lines.Select(l => SystemCall().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet();
        // systemd's rule: the first (allow) list, less every list given with '~'.
        var filters = unit.All("SystemCallFilter");
        var allowed = await ExpandAsync(analyze, filters[0]);
        foreach (var denied in filters.Skip(1))
        {
            Assert.StartsWith("~", denied);
            allowed.ExceptWith(await ExpandAsync(analyze, denied[1..]));
        }
        var families = lines.Select(l => SocketFamily().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet();

        Assert.Contains("openat", used); // the trace did record the program
        Assert.Empty(used.Except(allowed).Order());
        Assert.Contains("AF_INET", families);
        Assert.Empty(families.Except(unit["RestrictAddressFamilies"]!.Split(' ')).Order());
        // ProtectSystem=strict leaves only ReadWritePaths (the spool's folder, in production /var/lib/respaldo),
        // the private /tmp (.NET's diagnostics pipes), /dev/shm (kept by PrivateDevices=; the runtime's debugger
        // start-up semaphore) and the process's own /proc entries writable.
        var spool = environment["Storage__Directory"];
        var written = lines.Where(l => Writes().IsMatch(l)).SelectMany(l => QuotedPath().Matches(l).Select(m => m.Groups[1].Value)).ToHashSet();
        Assert.Contains(spool, written);
        Assert.All(written, path => Assert.True(path == spool || path.StartsWith(spool + "/", StringComparison.Ordinal)
            || DiagnosticsTemp().IsMatch(path) || path.StartsWith("/proc/self/", StringComparison.Ordinal)
            || path.StartsWith("/dev/shm/sem.clr", StringComparison.Ordinal) || path == "/dev/null", path));
    }

    private static Dictionary<string, string> Settings(TempFolder temp, IS3Server server, string bucket, Uri endpoint) => new()
    {
        ["Storage__Directory"] = Path.Combine(temp.Path, "records"),
        ["Backup__Destination"] = $"s3://{bucket}/records",
        ["Backup__Schedule"] = "off",
        ["AWS_ENDPOINT_URL_S3"] = endpoint.ToString(),
        ["AWS_ACCESS_KEY_ID"] = server.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = server.SecretKey,
        ["AWS_REGION"] = "us-east-1",
    };

    /// <summary>Every system call a SystemCallFilter= allow list names, with its @groups expanded as systemd does.</summary>
    private static async Task<HashSet<string>> ExpandAsync(string analyze, string filter)
    {
        var calls = new HashSet<string>();
        var pending = new Queue<string>(filter.Split(' '));
        var seen = new HashSet<string>();
        while (pending.TryDequeue(out var item))
        {
            if (!item.StartsWith('@'))
            {
                calls.Add(item);
                continue;
            }
            if (!seen.Add(item))
            {
                continue;
            }
            var (exitCode, stdout, stderr) = await ServerProcess.RunAsync(new ProcessStartInfo(analyze) { ArgumentList = { "syscall-filter", item } }, TimeSpan.FromSeconds(30), Ct);
            Assert.True(exitCode == 0, stderr);
            foreach (var line in stdout.Split('\n').Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
            {
                pending.Enqueue(line);
            }
        }
        return calls;
    }

    [GeneratedRegex(@"^\d+\s+([a-z0-9_]+)\(")]
    private static partial Regex SystemCall();

    [GeneratedRegex(@"^\d+\s+(openat\(.*O_(WRONLY|RDWR|CREAT)|mkdir(at)?\(|renameat2?\(|rename\(|unlink(at)?\(|rmdir\(|linkat\(|symlinkat\()")]
    private static partial Regex Writes();

    [GeneratedRegex("\"(/[^\"]*)\"")]
    private static partial Regex QuotedPath();

    [GeneratedRegex(@"^/tmp/(clr-debug-pipe|dotnet-diagnostic)-")]
    private static partial Regex DiagnosticsTemp();

    [GeneratedRegex(@"socket\((AF_[A-Z0-9]+)")]
    private static partial Regex SocketFamily();
}
