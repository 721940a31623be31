namespace Respaldo.Backup;

/// <summary>
/// Finds a bundled record from its id, asking the store as little as correctness allows.
/// <para>
/// The id's time names its hour partition; a listing of that partition gives the bundles, and their names (first and
/// last id) say which can hold it. Bundles never change once stored, so a record found in a cached bundle is answered
/// with no request at all. What is not found in the cache is not proof of absence: another run, or another instance,
/// may have added a bundle to the hour since it was listed, and bundles of different instances can have overlapping
/// ranges. So a listing kept from an earlier read is used only to reach a bundle sooner; when the record is not in
/// any bundle it names, the hour is listed again before the answer is "not found". A record that is in the store is
/// never answered 404 because of something remembered.
/// </para>
/// </summary>
internal sealed class BundleReadBack(IBackupDestination destination, TimeProvider time)
{
    /// <summary>How long a listing may shorten a cold read (a GET without the LIST); a miss lists again regardless.</summary>
    public static readonly TimeSpan ListingLifetime = TimeSpan.FromMinutes(1);

    /// <summary>Hour listings kept at most; each holds a few key names.</summary>
    private const int MaxListings = 256;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Listing> _listings = new(StringComparer.Ordinal);

    public BundleCache Cache { get; } = new(BundleCache.DefaultMaxBytes);

    public async Task<byte[]?> TryReadAsync(Guid id, CancellationToken ct)
    {
        var hour = KeyLayout.HourPrefix(destination.Prefix, id);
        if (Cache.TryFind(hour, id) is { } cached)
        {
            return cached;
        }
        var text = id.ToString("D");
        var tried = new HashSet<string>(StringComparer.Ordinal);
        var failures = new Dictionary<string, BackupException>(StringComparer.Ordinal);
        var listing = Remembered(hour);
        while (true)
        {
            var fresh = listing is null;
            listing ??= await ListAsync(hour, ct);
            foreach (var key in listing.Candidates(text))
            {
                if (!tried.Add(key))
                {
                    continue;
                }
                try
                {
                    if (await Cache.FindAsync(key, id, () => LoadAsync(key), ct) is { } bytes)
                    {
                        return bytes;
                    }
                }
                catch (BackupException e)
                {
                    failures[key] = e; // one unreadable bundle must not hide the records of the others in its hour
                }
            }
            if (fresh)
            {
                // Not found in any readable candidate of a fresh listing: if one of those could not be read, the record
                // may be in it, so that is the answer. (A bundle of an old listing that is gone now holds nothing.)
                return listing.Candidates(text).FirstOrDefault(failures.ContainsKey) is { } failed ? throw failures[failed] : null;
            }
            listing = null;
        }
    }

    /// <summary>Downloads (checked against the stored SHA-256) and unpacks one bundle; the gzip is dropped at once.</summary>
    private async Task<CachedBundle> LoadAsync(string key)
    {
        // Not the reader's token: the load is shared by every reader of this bundle (single flight).
        var gzip = await destination.DownloadVerifiedAsync(key, CancellationToken.None)
            ?? throw new BackupException(ErrorKind.NotFound, $"{key} is not in {destination.Description}.");
        return CachedBundle.Decode(key, gzip);
    }

    private async Task<Listing> ListAsync(string hour, CancellationToken ct)
    {
        var bundles = new List<(string Key, string First, string Last)>();
        await foreach (var key in destination.ListKeysAsync(hour, ct))
        {
            if (KeyLayout.TryParseBundleKey(key, out var first, out var last))
            {
                bundles.Add((key, first.ToString("D"), last.ToString("D")));
            }
        }
        var listing = new Listing(bundles, time.GetTimestamp());
        lock (_lock)
        {
            if (_listings.Count >= MaxListings && !_listings.ContainsKey(hour))
            {
                _listings.Remove(_listings.MinBy(l => l.Value.ListedAt).Key);
            }
            _listings[hour] = listing;
        }
        return listing;
    }

    private Listing? Remembered(string hour)
    {
        lock (_lock)
        {
            return _listings.TryGetValue(hour, out var listing) && time.GetElapsedTime(listing.ListedAt) < ListingLifetime ? listing : null;
        }
    }

    private sealed record Listing(List<(string Key, string First, string Last)> Bundles, long ListedAt)
    {
        /// <summary>UUIDv7 text sorts like time (then randomness), so a bundle's ids all lie between its first and last.</summary>
        public IEnumerable<string> Candidates(string id) => Bundles
            .Where(b => string.CompareOrdinal(b.First, id) <= 0 && string.CompareOrdinal(id, b.Last) <= 0)
            .Select(b => b.Key);
    }
}
