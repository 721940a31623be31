using System.ComponentModel.DataAnnotations;
using Respaldo.Hosting;

namespace Respaldo.Records;

internal sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary>The largest request body <c>POST /store_data/</c> reads; larger ones get 413.</summary>
    [Range(256, 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 16 * 1024;

    /// <summary>How long a repeated <c>Idempotency-Key</c> returns the original record instead of writing a new one.</summary>
    [TimeSpanRange("00:00:01", "7.00:00:00")]
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Most <c>Idempotency-Key</c>s remembered at once. Beyond it (a flood of distinct keys) the oldest are forgotten
    /// before their window ends, counted by <c>respaldo_idempotency_evicted_total</c>, so memory stays bounded.
    /// </summary>
    [Range(1, 100_000_000)]
    public int IdempotencyMaxEntries { get; set; } = 200_000;

    /// <summary>Most memory, estimated, that remembered keys may take (with <see cref="IdempotencyMaxEntries"/>, whichever comes first).</summary>
    [Range(64 * 1024, 64L * 1024 * 1024 * 1024)]
    public long IdempotencyMaxBytes { get; set; } = 64L * 1024 * 1024;
}
