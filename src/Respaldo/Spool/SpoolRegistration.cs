using Respaldo.Hosting;

namespace Respaldo.Spool;

internal static class SpoolRegistration
{
    /// <summary>The spool folder, its writer (started on first use) and its backlog figures; shared by every command.</summary>
    public static IHostApplicationBuilder AddSpool(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<SpoolOptions>(SpoolOptions.Section, static (section, o) => section.Bind(o))
            .RejectUnknownKeys(SpoolOptions.Section);
        builder.Services.AddSingleton<SpoolIndex>();
        builder.Services.AddSingleton<SpoolWriter>();
        // Lazy, so that verbs that never write (status) neither create the folder nor start the writer's threads.
        builder.Services.AddSingleton(sp => new Lazy<SpoolWriter>(sp.GetRequiredService<SpoolWriter>));
        builder.Services.AddSingleton<RecordSpool>();
        builder.Services.AddSingleton<SpoolRecovery>();
        return builder;
    }

    /// <summary>The service's ownership of the folder: its lock, start-up recovery and the periodic rescan; only <c>serve</c> runs it.</summary>
    public static IHostApplicationBuilder AddSpoolOwner(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<SpoolOwner>();
        return builder;
    }
}
