using System.Text.Json;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Backup;

/// <summary>The <c>backup</c>, <c>restore</c> and <c>status</c> verbs as separate processes, with their exit codes.</summary>
public sealed class BackupCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string[]> SpoolRecordsAsync(RespaldoApplication app, int count)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            var response = await app.PostRecordAsync(new { nombre = $"Persona {i}", edad = 20 + i, profesion = "Enfermera" });
            ids[i] = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;
        }
        await app.StopAsync();
        return ids;
    }

    [Fact]
    public async Task BackupVerbUploadsThroughTheAwsEnvironmentVariablesAndExitsZero()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        await moto.CreateBucketAsync("cron-bucket", Ct);
        await using var app = await new RespaldoApplication().StartAsync();
        var ids = await SpoolRecordsAsync(app, 3);
        var env = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = moto.Endpoint.ToString(),
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "not-a-real-secret-123",
            ["AWS_DEFAULT_REGION"] = "us-east-1",
        };

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(app.Root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", "--Backup:Destination=s3://cron-bucket/nightly"], env);

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("3 uploaded, 0 failed", stdout);
        Assert.DoesNotContain("not-a-real-secret-123", stdout + stderr);
        Assert.Empty(Directory.GetFiles(app.SpoolDirectory, "*.json"));
        var keys = await AwsCli.ListKeysAsync(moto, "cron-bucket", "nightly/", Ct);
        Assert.Equal(ids.Order(), keys.Select(k => Path.GetFileNameWithoutExtension(k)).Order());
    }

    [Fact]
    public async Task TheStoredChecksumIsTheFilesEvenWhenTheEnvironmentAsksForChecksumsOnlyWhenRequired()
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        await moto.CreateBucketAsync("sums", Ct);
        await using var app = await new RespaldoApplication().StartAsync();
        var id = (await SpoolRecordsAsync(app, 1)).Single();
        var sha256 = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(app.SpoolDirectory, id + ".json"))));
        var env = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = moto.Endpoint.ToString(),
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "test",
            ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required",
        };

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(app.Root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", "--Backup:Destination=s3://sums"], env);

        Assert.True(code == 0, stdout + stderr);
        var key = (await AwsCli.ListKeysAsync(moto, "sums", ct: Ct)).Single();
        using var s3 = moto.CreateClient();
        var head = await s3.GetObjectMetadataAsync(new Amazon.S3.Model.GetObjectMetadataRequest
        {
            BucketName = "sums", Key = key, ChecksumMode = Amazon.S3.ChecksumMode.ENABLED,
        }, Ct);
        Assert.Equal(sha256, head.ChecksumSHA256);
    }

    [Fact]
    public async Task DryRunListsEveryFileAndItsKeyAndChangesNothing()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var ids = await SpoolRecordsAsync(app, 2);
        var before = Directory.GetFiles(app.SpoolDirectory, "*", SearchOption.AllDirectories).Order().ToArray();

        var (code, stdout, _) = await RespaldoCli.RunAsync(app.Root.Path,
            ["backup", "--dry-run", $"--Storage:Directory={app.SpoolDirectory}", "--Backup:Destination=s3://some-bucket/x"]);

        Assert.Equal(0, code);
        foreach (var id in ids)
        {
            Assert.Contains($"x/{DateTime.UtcNow:yyyy/MM/dd}/{id}.json", stdout);
        }
        Assert.Contains("Nothing was changed", stdout);
        Assert.Equal(before, Directory.GetFiles(app.SpoolDirectory, "*", SearchOption.AllDirectories).Order().ToArray());
    }

    [Fact]
    public async Task BackupVerbExitsOneWhenFilesFailAndKeepsThem()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        await SpoolRecordsAsync(app, 2);
        var blocked = Path.Combine(app.Root.Path, "not-a-folder");
        File.WriteAllText(blocked, "a file where the backup folder should be");

        var (code, stdout, _) = await RespaldoCli.RunAsync(app.Root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={blocked}", "--Backup:MaxAttempts=1"]);

        Assert.Equal(1, code);
        Assert.Contains("0 uploaded, 2 failed", stdout);
        Assert.Equal(2, Directory.GetFiles(app.SpoolDirectory, "*.json").Length);
    }

    [Theory]
    [InlineData("--Backup:Schedule=every night", "Backup:Schedule")]
    [InlineData("--Backup:TimeZone=Mars/Olympus", "Backup:TimeZone")]
    [InlineData("--Backup:Concurrency=0", "Backup:Concurrency")]
    [InlineData("--Backup:Destination=s3://", "Backup:Destination")]
    [InlineData("--no-such-option", "--no-such-option")]
    public async Task InvalidConfigurationOrUsageExitsTwoNamingTheProblem(string argument, string named)
    {
        using var folder = new TempFolder();

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(folder.Path, ["backup", argument]);

        Assert.Equal(2, code);
        Assert.Contains(named, stdout + stderr);
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "data", "backup")));
    }

    [Fact]
    public async Task BackupVerbExitsThreeWhileAnotherRunHoldsTheLock()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        await SpoolRecordsAsync(app, 1);
        var lockPath = Path.Combine(app.SpoolDirectory, ".respaldo", "backup.lock");
        await using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var (code, _, stderr) = await RespaldoCli.RunAsync(app.Root.Path,
                ["backup", $"--Storage:Directory={app.SpoolDirectory}", "--Backup:LockTimeout=00:00:00.2"]);

            Assert.Equal(3, code);
            Assert.Contains("in progress", stderr);
        }
        Assert.Single(Directory.GetFiles(app.SpoolDirectory, "*.json"));
    }

    [Fact]
    public async Task TheRunningServicesStatusReflectsABackupThatCronRanInAnotherProcess()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await app.PostRecordAsync(new { nombre = $"Persona {i}", edad = 20 + i, profesion = "Enfermera" });
        }
        var before = JsonDocument.Parse(await app.Client.GetStringAsync("/status", Ct)).RootElement;

        var (code, stdout, stderr) = await RespaldoCli.RunAsync(app.Root.Path,
            ["backup", $"--Storage:Directory={app.SpoolDirectory}", $"--Backup:Destination={app.BackupDirectory}"]);
        var after = JsonDocument.Parse(await app.Client.GetStringAsync("/status", Ct)).RootElement;

        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(3, before.GetProperty("pending").GetProperty("files").GetInt32());
        Assert.Equal(0, after.GetProperty("pending").GetProperty("files").GetInt32());
        Assert.Equal("command", after.GetProperty("lastRun").GetProperty("trigger").GetString());
    }

    [Fact]
    public async Task StatusVerbPrintsTheBacklogAsTextAndJson()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        await SpoolRecordsAsync(app, 4);

        var (code, text, _) = await RespaldoCli.RunAsync(app.Root.Path, ["status", $"--Storage:Directory={app.SpoolDirectory}"]);
        var (jsonCode, json, _) = await RespaldoCli.RunAsync(app.Root.Path, ["status", "--json", $"--Storage:Directory={app.SpoolDirectory}"]);

        Assert.Equal((0, 0), (code, jsonCode));
        Assert.Contains("4 files", text);
        Assert.Equal(4, JsonDocument.Parse(json).RootElement.GetProperty("pending").GetProperty("files").GetInt32());
    }
}
