using System.Threading.RateLimiting;

namespace Respaldo.Security;

/// <summary>
/// One client's token bucket: up to <c>burst</c> requests at once, refilled continuously at <c>rate</c> per second.
/// Tokens are computed from <see cref="TimeProvider"/> when asked, rather than added by a timer, so the limit is
/// exact at any instant (no 1-second steps that let two bursts through back to back), costs nothing while idle, and
/// tests can move time instead of sleeping.
/// </summary>
internal sealed class ClientTokenBucket(int rate, int burst, TimeProvider time) : RateLimiter
{
    private static readonly RateLimitLease Granted = new Lease(true, null);
    private readonly Lock _gate = new();
    private double _tokens = burst;
    private long _stamp = time.GetTimestamp();

    /// <summary>How long the bucket has been full; the partitioned limiter drops buckets idle for long, bounding memory.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                var full = TimeSpan.FromSeconds((burst - _tokens) / rate);
                var idle = time.GetElapsedTime(_stamp) - full;
                return idle >= TimeSpan.Zero ? idle : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            Refill();
            return new RateLimiterStatistics { CurrentAvailablePermits = (long)_tokens };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_gate)
        {
            Refill();
            if (_tokens >= permitCount)
            {
                _tokens -= permitCount;
                return Granted;
            }
            return new Lease(false, TimeSpan.FromSeconds((permitCount - _tokens) / rate));
        }
    }

    // No queue: a request over the limit is answered 429 at once rather than held.
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Refill()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(burst, _tokens + time.GetElapsedTime(_stamp, now).TotalSeconds * rate);
        _stamp = now;
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
