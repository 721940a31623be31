using System.ComponentModel.DataAnnotations;

namespace Respaldo.Security;

internal sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// Bearer keys accepted on the operating endpoints (and, with <see cref="ProtectRecords"/>, on intake and
    /// read-back). Empty means those endpoints are open, as on a trusted network.
    /// </summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>Also demand a key on <c>POST /store_data/</c> and <c>GET /records/{id}</c>.</summary>
    public bool ProtectRecords { get; set; }
}

/// <summary>The per-client-IP token bucket on <c>POST /store_data/</c>.</summary>
internal sealed class RateLimitOptions
{
    public const string Section = "Security:RateLimit";

    /// <summary>Records a client IP may send per second, sustained; 0 turns the limit off.</summary>
    [Range(0, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 1000;

    /// <summary>Requests a client IP may send at once before the per-second rate applies; 0 means twice the rate.</summary>
    [Range(0, 10_000_000)]
    public int Burst { get; set; }

    public int EffectiveBurst => Burst > 0 ? Burst : 2 * PermitsPerSecond;
}
