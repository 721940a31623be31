using Microsoft.Extensions.Options;
using Respaldo.Spool;

namespace Respaldo.Records;

/// <summary>
/// Rebuilds the idempotency keys from the records start-up recovery finds in the spool, so a restart keeps them for
/// every record not yet backed up. Which files are records, and what happens to the others, is the spool's business.
/// </summary>
internal sealed class IdempotencyRecovery(IdempotencyCache cache, IOptions<IntakeOptions> options) : ISpoolRecoveryObserver
{
    public TimeSpan Lookback => options.Value.IdempotencyWindow;

    public void Recovered(StoredRecord record) => cache.Restore(record);
}
