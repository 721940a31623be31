using Amazon.S3;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Respaldo.Hosting;
using Respaldo.Records;

namespace Respaldo.Backup;

internal static class BackupRegistration
{
    /// <summary>The destination, the run, restore and status; shared by every command.</summary>
    public static IHostApplicationBuilder AddBackup(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<BackupOptions>(BackupOptions.Section)
            .Validate(o => !S3Location.IsS3(o.Destination) || S3Location.TryParse(o.Destination, out _, out _),
                "Backup:Destination: an S3 destination is s3://bucket or s3://bucket/prefix, with a bucket name of 3 to 63 characters.")
            .Validate(BackupSchedule.IsValid,
                "Backup:Schedule: not a valid cron expression (e.g. '0 0 * * *' for daily at midnight) and not 'off'.")
            .Validate(o => BackupSchedule.IsValidZone(o.TimeZone),
                "Backup:TimeZone: not a known IANA time zone (e.g. 'Europe/Madrid', 'UTC').")
            .Validate(o => Uri.TryCreate(o.ServiceUrl ?? "http://x", UriKind.Absolute, out _),
                "Backup:ServiceUrl: not an absolute URL (e.g. http://127.0.0.1:9000).");
        builder.Services.AddSingleton<BackupState>();
        builder.Services.AddSingleton<BackupSchedule>();
        builder.Services.TryAddSingleton<IAmazonS3>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<BackupOptions>>().Value;
            return S3Location.CreateClient(options, S3Location.ResolveEndpoint(options));
        });
        builder.Services.AddSingleton(CreateDestination);
        builder.Services.AddSingleton<RecordLayout>();
        builder.Services.AddSingleton<BundleLayout>();
        builder.Services.AddSingleton<BackupLayouts>();
        builder.Services.AddSingleton<IBackedUpRecordSource>(sp => sp.GetRequiredService<BackupLayouts>());
        builder.Services.AddSingleton<BackupRunner>();
        builder.Services.AddSingleton<RestoreRunner>();
        builder.Services.AddSingleton<BackupStatus>();
        return builder;
    }

    /// <summary>The in-process schedule and the runs asked for over HTTP; only the service runs them.</summary>
    public static IHostApplicationBuilder AddBackupSchedule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<BackupScheduler>();
        builder.Services.AddSingleton<BackupRequests>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BackupRequests>());
        return builder;
    }

    private static IBackupDestination CreateDestination(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<BackupOptions>>();
        if (!S3Location.TryParse(options.Value.Destination, out var bucket, out var prefix))
        {
            return new DirectoryDestination(options.Value.Destination);
        }
        var endpoint = S3Location.ResolveEndpoint(options.Value);
        var location = new S3Location(bucket, prefix, endpoint);
        return new S3Destination(services.GetRequiredService<IAmazonS3>(), location, options);
    }
}
