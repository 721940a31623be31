using System.ComponentModel.DataAnnotations;

namespace Respaldo.Security;

internal sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>Shorter keys can be guessed; 16 characters of a random key are out of reach of online guessing.</summary>
    public const int MinKeyLength = 16;

    /// <summary>
    /// Bearer keys. With at least one, everything that returns personal data or operates the service needs one:
    /// read-back, status, metrics, backups (and intake with <see cref="RequireKeyForIntake"/>). Empty means all is
    /// open, as on a trusted network; listening beyond loopback that way is warned about.
    /// </summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>Also demand a key on <c>POST /store_data/</c>; off by default, because the seed's clients send none.</summary>
    public bool RequireKeyForIntake { get; set; }

    /// <summary>The earlier name of <see cref="RequireKeyForIntake"/>, still honoured so existing environment files keep working.</summary>
    public bool ProtectRecords { get; set; }

    /// <summary>
    /// Addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/8</c>) of the reverse proxies whose <c>X-Forwarded-For</c>
    /// names the client. Only their header counts; from anyone else it is ignored, so a client cannot pick its own
    /// rate-limit bucket by sending one.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    public bool IntakeNeedsKey => RequireKeyForIntake || ProtectRecords;
}

/// <summary>The per-client token bucket on <c>POST /store_data/</c>.</summary>
internal sealed class RateLimitOptions
{
    public const string Section = "Security:RateLimit";

    /// <summary>
    /// Records one client may send per second, sustained; 0 turns the limit off. The default is twice the durable
    /// intake measured on a small 2-core machine (about 10,000 records/s), so it never throttles a busy legitimate
    /// client below what the service can take, and still caps one runaway client on bigger hardware.
    /// </summary>
    [Range(0, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 20_000;

    /// <summary>Requests a client may send at once before the per-second rate applies; 0 means twice the rate.</summary>
    [Range(0, 10_000_000)]
    public int Burst { get; set; }

    public int EffectiveBurst => Burst > 0 ? Burst : 2 * PermitsPerSecond;
}
