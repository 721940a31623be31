using Respaldo.Hosting;
using Respaldo.Spool;

namespace Respaldo.Records;

internal static class RecordsRegistration
{
    /// <summary>The HTTP contract's services: intake options, idempotency (rebuilt from the spool at start-up) and read-back.</summary>
    public static IHostApplicationBuilder AddRecords(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<IntakeOptions>(IntakeOptions.Section, static (section, o) => section.Bind(o))
            .RejectUnknownKeys(IntakeOptions.Section);
        builder.Services.AddSingleton<IdempotencyCache>();
        builder.Services.AddSingleton<ISpoolRecoveryObserver, IdempotencyRecovery>();
        builder.Services.AddSingleton<RecordReader>();
        return builder;
    }
}
