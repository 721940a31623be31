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
        builder.Services.AddValidatedOptions<BackupOptions>(BackupOptions.Section, static (section, o) => section.Bind(o))
            .RejectUnknownKeys(BackupOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<BackupOptions>, BackupOptionsValidator>();
        builder.Services.AddSingleton<BackupState>();
        builder.Services.AddSingleton<BackupSchedule>();
        builder.Services.TryAddSingleton<IAmazonS3>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<BackupOptions>>().Value;
            return S3Location.CreateClient(options, S3Location.ResolveEndpoint(options));
        });
        builder.Services.AddSingleton(CreateDestination);
        builder.Services.AddSingleton<RecordLayout>();
        builder.Services.AddSingleton<BundleReadBack>();
        builder.Services.AddSingleton<BundleLayout>();
        builder.Services.AddSingleton<BackupLayouts>();
        builder.Services.AddSingleton<IBackedUpRecordSource>(sp => sp.GetRequiredService<BackupLayouts>());
        builder.Services.AddSingleton<SpoolFileThreads>();
        builder.Services.AddSingleton<BackupRunner>();
        builder.Services.AddSingleton<RestoreRunner>();
        builder.Services.AddSingleton<BackupStatus>();
        builder.Services.AddSingleton<DestinationHints>();
        builder.Services.AddSingleton<DestinationProbe>();
        builder.Services.AddSingleton<DestinationHealth>();
        return builder;
    }

    /// <summary>The in-process schedule and the runs asked for over HTTP; only the service runs them.</summary>
    public static IHostApplicationBuilder AddBackupSchedule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<BackupScheduler>();
        builder.Services.AddHostedService<DestinationStartupProbe>();
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
