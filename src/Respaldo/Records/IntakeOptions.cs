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
}
