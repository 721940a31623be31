using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Cronos;
using Respaldo.Backup;
using Respaldo.Commands;
using Respaldo.Spool;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Deployment;

/// <summary>
/// System-cron mode: deploy/crontab.example runs <c>Respaldo backup</c> as the service would, and actually works when
/// /bin/sh runs its line with one of the example environment files against an S3 server.
/// </summary>
public sealed partial class SystemCronTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TheJobRunsTheBackupVerbAsTheServiceUserInItsDirectoryWithItsSettings()
    {
        var job = CronJob.Shipped();
        var unit = UnitFile.Shipped("respaldo.service");
        var environmentFile = unit["EnvironmentFile"]!.TrimStart('-');
        var sourcing = job.Command.IndexOf($". {environmentFile} ", StringComparison.Ordinal);

        Assert.NotNull(CronExpression.Parse(job.Schedule));
        Assert.Equal(unit["User"], job.User);
        Assert.StartsWith($"cd {unit["WorkingDirectory"]} && set -a && ", job.Command);
        Assert.True(sourcing > 0, job.Command);
        // The unit's own Environment= first, then the file, which overrides it: systemd's order.
        Assert.All(unit.Environment, e => Assert.InRange(job.Command.IndexOf($"{e.Key}={e.Value} && ", StringComparison.Ordinal), 0, sourcing));
        Assert.Contains(unit["ExecStart"]!.Replace(" serve", " backup") + " ", job.Command);
    }

    [Fact]
    public void TheCommentExplainsEveryExitCodeOfTheBackupVerb()
    {
        var text = File.ReadAllText(RepoFiles.Deploy("crontab.example"));
        var codes = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetRawConstantValue()!).ToList();

        Assert.Equal([0, 1, 2, 3], codes.Order());
        Assert.All(codes, code => Assert.Matches(new Regex($"(?m)^#\\s+{code}\\s+\\w+"), text));
    }

    [Theory]
    [InlineData("respaldo.env.s3-compatible.example")]
    [InlineData("respaldo.env.aws.example")]
    public async Task TheJobBacksUpTheSpoolWithTheServicesEnvironmentFile(string example)
    {
        await using var moto = await MotoServer.StartAsync(Ct);
        var bucket = S3Setup.NewBucket();
        await moto.CreateBucketAsync(bucket, Ct);
        using var temp = new TempFolder();
        var records = temp.Sub("state/records");
        var fixtures = Directory.GetFiles(RepoFiles.Fixtures("spool"), "*.json");
        foreach (var file in fixtures)
        {
            File.Copy(file, Path.Combine(records, Path.GetFileName(file)));
        }
        var environmentFile = Path.Combine(temp.Path, "respaldo.env");
        await File.WriteAllTextAsync(environmentFile, await File.ReadAllTextAsync(RepoFiles.Deploy(example), Ct)
            + Overrides(example, bucket, moto, temp), Ct);
        // The published executable itself, as /opt/respaldo/Respaldo would be: cron's bare PATH has no dotnet, nor needs one.
        var program = await NativeExecutable.GetAsync();
        var command = CronJob.Shipped().Command
            .Replace("/var/lib/respaldo", Path.Combine(temp.Path, "state"))
            .Replace("/etc/respaldo/respaldo.env", environmentFile)
            .Replace("/opt/respaldo/Respaldo", program)
            .Replace("/var/log/respaldo", temp.Sub("log"));

        // As cron runs it: /bin/sh -c, a bare environment, and a home with no AWS files in it.
        var info = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", command } };
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        info.Environment["HOME"] = temp.Sub("home");
        var (exitCode, _, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromMinutes(2), Ct);
        var log = await File.ReadAllTextAsync(Path.Combine(temp.Path, "log", "backup.log"), Ct);

        Assert.True(exitCode == 0, $"exit {exitCode}: {stderr}\n{log}");
        Assert.Contains("Succeeded", log);
        Assert.Empty(Directory.GetFiles(records, "*.json"));
        var keys = await AwsCli.ListKeysAsync(moto, bucket, ct: Ct);
        Assert.Equal(fixtures.Length, keys.Count);
        foreach (var file in fixtures)
        {
            Assert.True(RecordId.TryParseFileName(Path.GetFileName(file), out var id));
            var key = KeyLayout.KeyFor("records", id);
            Assert.Contains(key, keys);
            Assert.Equal(await File.ReadAllBytesAsync(file, Ct), await AwsCli.GetObjectBytesAsync(moto, bucket, key, Ct));
        }
    }

    /// <summary>
    /// Appended to the example, as a person would edit it: the test's bucket and server, and credentials the way the
    /// example suggests (keys in the file for the S3-compatible store, a profile in /etc/respaldo/aws/ for AWS).
    /// </summary>
    private static string Overrides(string example, string bucket, IS3Server server, TempFolder temp)
    {
        var lines = new List<string>
        {
            "",
            $"Backup__Destination=s3://{bucket}/records",
            $"AWS_ENDPOINT_URL_S3={server.Endpoint}",
            "AWS_EC2_METADATA_DISABLED=true",
        };
        if (example.Contains("aws"))
        {
            var aws = temp.Sub("etc-respaldo-aws");
            File.WriteAllText(Path.Combine(aws, "credentials"), $"[respaldo]\naws_access_key_id = {server.AccessKey}\naws_secret_access_key = {server.SecretKey}\n");
            File.WriteAllText(Path.Combine(aws, "config"), "[profile respaldo]\nregion = eu-west-1\n");
            // The example's commented-out profile lines, switched on with this test's paths.
            var file = EnvironmentFile.Shipped(example);
            lines.AddRange(file.CommentedOut.Where(s => s.Key is "AWS_CONFIG_FILE" or "AWS_SHARED_CREDENTIALS_FILE" or "AWS_PROFILE")
                .Select(s => $"{s.Key}={s.Value.Replace("/etc/respaldo/aws", aws)}"));
            Assert.Equal(4 + 3, lines.Count);
        }
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The one job line of the crontab: five schedule fields, the user, the command.</summary>
    private sealed partial record CronJob(string Schedule, string User, string Command)
    {
        public static CronJob Shipped()
        {
            var jobs = File.ReadAllLines(RepoFiles.Deploy("crontab.example"))
                .Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#') && !Variable().IsMatch(l))
                .Select(l => Job().Match(l))
                .ToList();
            var job = Assert.Single(jobs);
            Assert.True(job.Success, "not a /etc/cron.d job line: " + job.Value);
            return new CronJob(job.Groups["schedule"].Value, job.Groups["user"].Value, job.Groups["command"].Value);
        }

        [GeneratedRegex(@"^[A-Z_]+=")]
        private static partial Regex Variable();

        [GeneratedRegex(@"^(?<schedule>(\S+\s+){4}\S+)\s+(?<user>[a-z_][a-z0-9_-]*)\s+(?<command>\S.*)$")]
        private static partial Regex Job();
    }
}
