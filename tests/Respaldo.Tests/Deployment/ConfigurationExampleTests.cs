using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Respaldo.Backup;
using Respaldo.Hosting;
using Respaldo.Spool;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Deployment;

/// <summary>
/// The example environment files and the units' settings: every key is one Respaldo reads, every value passes its
/// validation, and systemd and the shell (the crontab line sources the same file) read the same values.
/// </summary>
public sealed class ConfigurationExampleTests
{
    public static TheoryData<string> Examples => ["respaldo.env.aws.example", "respaldo.env.s3-compatible.example"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Examples))]
    public void EveryLineIsACommentOrAnAssignmentBothSystemdAndTheShellRead(string name)
    {
        var file = EnvironmentFile.Shipped(name);

        Assert.Empty(file.Malformed);
        Assert.StartsWith("s3://", Assert.Single(file.Active, s => s.Key == "Backup__Destination").Value);
        Assert.DoesNotContain(file.Active.GroupBy(s => s.Key), g => g.Count() > 1);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void EverySettingItNamesActiveOrCommentedOutIsOneRespaldoReads(string name)
    {
        var unknown = EnvironmentFile.Shipped(name).All.Where(s => s.IsRespaldoSetting && !IsKnownSetting(s.Key)).Select(s => s.Key);

        Assert.Empty(unknown);
    }

    [Fact]
    public void EverySettingTheUnitsSetIsOneRespaldoReads()
    {
        var keys = new[] { "respaldo.service", "respaldo-backup.service" }.SelectMany(u => UnitFile.Shipped(u).Environment.Keys).ToList();

        Assert.Contains("Storage__Directory", keys);
        Assert.All(keys, k => Assert.True(IsKnownSetting(k), k));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task TheExampleIsValidConfigurationEvenWithEveryCommentedOutSettingEnabled(string name)
    {
        var file = EnvironmentFile.Shipped(name);
        using var temp = new TempFolder();
        string[] args = [.. EnvironmentFile.AsArguments(file.All), $"--Storage:Directory={temp.Path}"];

        using var host = RespaldoHost.BuildCommandHost(args);
        await host.StartAsync(Ct); // runs every options validation, as the service's start does
        var backup = host.Services.GetRequiredService<IOptions<BackupOptions>>().Value;
        await host.StopAsync(Ct);

        Assert.Equal(file.Active.Single(s => s.Key == "Backup__Destination").Value, backup.Destination);
        Assert.Equal(file.Active.Single(s => s.Key == "Backup__Schedule").Value, backup.Schedule);
        Assert.True(backup.ScheduleEnabled);
        Assert.Equal(temp.Path, host.Services.GetRequiredService<IOptions<SpoolOptions>>().Value.FullPath);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task TheShellReadsEveryValueAsSystemdDoes(string name)
    {
        var file = EnvironmentFile.Shipped(name);
        var info = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "set -a && . \"$1\" && set +a && env", "sh", file.Path } };
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/bin:/bin";

        var (exitCode, stdout, stderr) = await ServerProcess.RunAsync(info, TimeSpan.FromSeconds(30), Ct);
        var shell = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);

        Assert.True(exitCode == 0 && stderr.Length == 0, stderr);
        Assert.All(file.Active, s => Assert.Equal(s.Value, shell.GetValueOrDefault(s.Key)));
    }

    /// <summary>
    /// <c>Urls</c>, or <c>Section__Key[__Key|__index]</c> naming a property of the options class bound to that
    /// section (found by its <c>Section</c> constant), as the configuration binder would, case-insensitively.
    /// </summary>
    internal static bool IsKnownSetting(string key)
    {
        if (key == "Urls")
        {
            return true;
        }
        var parts = key.Split("__");
        var sections = typeof(SpoolOptions).Assembly.GetTypes()
            .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null && !t.Type.IsAbstract)
            .Select(t => (t.Type, Path: t.Section!.Split(':')))
            .Where(t => t.Path.Length < parts.Length && t.Path.SequenceEqual(parts[..t.Path.Length], StringComparer.OrdinalIgnoreCase))
            .OrderByDescending(t => t.Path.Length);
        foreach (var (type, path) in sections)
        {
            if (IsPropertyPath(type, parts[path.Length..]))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsPropertyPath(Type type, string[] rest)
    {
        var property = type.GetProperty(rest[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || !property.CanWrite)
        {
            return false;
        }
        if (rest.Length == 1)
        {
            return true;
        }
        if (property.PropertyType.IsArray || property.PropertyType.IsGenericType)
        {
            return rest.Length == 2 && int.TryParse(rest[1], out _);
        }
        return IsPropertyPath(property.PropertyType, rest[1..]);
    }
}
