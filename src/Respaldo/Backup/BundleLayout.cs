using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// Many records per object: gzip NDJSON bundles under Hive-style hour partitions,
/// <c>{prefix}/year=YYYY/month=MM/day=DD/hour=HH/{first}_{last}.ndjson.gz</c> (see <see cref="BundleWriter"/>).
/// <para>
/// Exactly once, across crashes and instances: a run groups the pending files by the UTC hour in their ids and splits
/// each hour at <c>Backup:BundleMaxRecords</c> / <c>Backup:BundleMaxBytes</c>. For each bundle it reads the files,
/// builds the gzip, and then — before any byte leaves the machine — writes a manifest durably (key, ids, SHA-256 of the
/// NDJSON). The runner uploads and verifies the bundle and deletes its files; only then, after the spool folder is
/// synced so the deletions cannot come back, is the manifest removed. A run first completes every manifest it finds:
/// if all its files are there it rebuilds identical bytes and uploads them to the same key (an overwrite, never a
/// second copy); if some are gone, their deletion proves the bundle was verified, so it checks the stored bundle
/// against the manifest and deletes the rest. Files named in a manifest are never packed into another bundle. Names
/// start with the first record's id (UUIDv7, unique without coordination), so instances sharing a bucket never collide.
/// </para>
/// </summary>
internal sealed class BundleLayout(IBackupDestination destination, IOptions<BackupOptions> options, IOptions<SpoolOptions> spoolOptions, ILogger<BundleLayout> logger,
    BundleReadBack readBack)
    : IBackupLayout
{
    public const string ContentType = "application/gzip";

    /// <summary>Bundles in flight at once: each holds its compressed bytes in memory until verified.</summary>
    private const int MaxBundlesInFlight = 4;

    /// <summary>
    /// Spool files a bundle reads ahead of the one it appends. A read mostly waits on the disk, so several in flight
    /// keep both cores busy: 20,000 files took 0.47 s one at a time and 0.23 s four at a time here (bench/RESULTS.md).
    /// The reads run on <see cref="SpoolFileThreads"/>, never on the thread pool.
    /// </summary>
    private const int ReadsAhead = 8;

    private readonly BackupOptions _options = options.Value;
    private readonly BundleManifests _manifests = new(Path.Combine(spoolOptions.Value.StatePath, "bundles"));
    private readonly string _spool = spoolOptions.Value.FullPath;

    public string Name => nameof(BackupLayout.Bundle);

    public int UnitsInFlight => Math.Min(_options.Concurrency, MaxBundlesInFlight);

    public IEnumerable<PlannedObject> Plan(IReadOnlyList<SpooledFile> pending)
    {
        var (resumed, fresh) = Split(pending, cleanUp: false);
        return resumed.Select(r => new PlannedObject(r.Manifest.Key, r.Manifest.Records, r.Manifest.RecordBytes, r.Path + " (unfinished)"))
            .Concat(Chunks(fresh).Select(c => new PlannedObject(KeyLayout.BundleKey(destination.Prefix, c[0].Id, c[^1].Id), c.Count, c.Sum(f => f.Length))));
    }

    public RunUnits Pack(IReadOnlyList<SpooledFile> pending)
    {
        var (resumed, fresh) = Split(pending);
        return new RunUnits(resumed.Sum(r => r.Files.Count) + fresh.Count, resumed.Concat<UploadUnit>(Chunks(fresh).Select(c => new UploadUnit(c))));
    }

    public Task<PreparedUnit?> PrepareAsync(UploadUnit unit, ISpoolFileReader reader, CancellationToken ct) =>
        unit is ResumedBundle resumed ? ResumeAsync(resumed, ct) : PackAsync(unit, reader, ct);

    public void Complete(PreparedUnit unit)
    {
        // The deletions must be durable before the manifest goes: a file that came back after a crash without its
        // manifest would be packed into a second bundle.
        NativeFileSystem.SyncDirectory(_spool);
        BundleManifests.Remove(unit.Manifest!);
    }

    /// <summary>Finds the record's bundle from its id and the bundle names, through a bounded cache (<see cref="BundleReadBack"/>).</summary>
    public Task<byte[]?> TryReadAsync(Guid id, CancellationToken ct) => readBack.TryReadAsync(id, ct);

    public async IAsyncEnumerable<string> ListObjectsAsync(DateOnly? from, DateOnly? to, [EnumeratorCancellation] CancellationToken ct)
    {
        var first = from ?? DateOnly.MinValue;
        var last = to ?? DateOnly.MaxValue;
        var bounded = from is not null && to is not null;
        foreach (var prefix in KeyLayout.ListingPrefixes(destination.Prefix, from, to, KeyLayout.BundleDayPrefix))
        {
            await foreach (var key in destination.ListKeysAsync(bounded ? prefix : prefix + "year=", ct))
            {
                if (KeyLayout.TryParseBundleKey(key, out var id, out _) && DateOnly.FromDateTime(RecordId.Timestamp(id).UtcDateTime) is var day
                    && day >= first && day <= last)
                {
                    yield return key;
                }
            }
        }
    }

    public async Task<IReadOnlyList<(Guid Id, ReadOnlyMemory<byte> Bytes)>> UnpackAsync(string key, CancellationToken ct)
    {
        var body = await destination.DownloadVerifiedAsync(key, ct)
            ?? throw new BackupException(ErrorKind.NotFound, $"{key} is not in {destination.Description}.");
        return BundleWriter.Unpack(body, key).Records;
    }

    private async Task<PreparedUnit?> PackAsync(UploadUnit unit, ISpoolFileReader reader, CancellationToken ct)
    {
        using var writer = new BundleWriter(unit.Files.Sum(f => f.Length));
        List<SpooledFile>? packed = null; // made only when a file is left out; otherwise the bundle holds unit.Files
        var seen = 0;
        await foreach (var (file, read) in ReadAheadAsync(unit.Files, reader, ct))
        {
            seen++;
            if (read is not { } bytes)
            {
                packed ??= [.. unit.Files.Take(seen - 1)]; // counted by the reader (gone, incomplete, unreadable)
                continue;
            }
            if (bytes.AsSpan().Contains((byte)'\n'))
            {
                // A bundle line is the file's exact bytes, so a line break inside a file (one put or edited by hand;
                // the service writes one line) would split the record in two and make the whole bundle unreadable.
                reader.Reject(file, new BackupException(ErrorKind.Corrupt,
                    $"{file.Path} holds a line break, so it cannot be one line of a bundle; it stays spooled. Rewrite it as one line (e.g. jq -c . FILE)."));
                packed ??= [.. unit.Files.Take(seen - 1)];
                continue;
            }
            writer.Append(bytes);
            packed?.Add(file);
        }
        IReadOnlyList<SpooledFile> files = packed ?? unit.Files;
        if (files.Count == 0)
        {
            return null;
        }
        var (gzip, ndjsonSha256, ndjsonBytes) = writer.Finish();
        var manifest = new BundleManifest(KeyLayout.BundleKey(destination.Prefix, files[0].Id, files[^1].Id), files.Count, ndjsonBytes,
            Convert.ToHexStringLower(ndjsonSha256), new ListView<Guid>(files.Count, i => files[i].Id));
        // Durable before the upload starts: from here on these files belong to this bundle and this key only.
        var path = _manifests.Write(manifest);
        return new PreparedUnit(manifest.Key, gzip, SHA256.HashData(gzip.Span), ContentType, files, manifest.RecordBytes, Manifest: path);
    }

    private async Task<PreparedUnit?> ResumeAsync(ResumedBundle unit, CancellationToken ct)
    {
        var manifest = unit.Manifest;
        if (await TryRebuildAsync(unit, ct) is { } gzip)
        {
            return new PreparedUnit(manifest.Key, gzip, SHA256.HashData(gzip.Span), ContentType, unit.Files, manifest.RecordBytes, Manifest: unit.Path);
        }
        // Some files are gone or unreadable. Files are deleted only after their bundle is verified, so the bundle should
        // be stored: prove it against the manifest, then delete what is left.
        var stored = await destination.DownloadVerifiedAsync(manifest.Key, ct);
        if (stored is not null && Convert.ToHexStringLower(BundleWriter.Unpack(stored, manifest.Key).NdjsonSha256) == manifest.NdjsonSha256)
        {
            var present = unit.Files.Where(f => File.Exists(f.Path)).ToList();
            return new PreparedUnit(manifest.Key, ReadOnlyMemory<byte>.Empty, [], ContentType, present, 0, AlreadyStored: true, Manifest: unit.Path);
        }
        // Never stored, and its files were removed by someone else: nothing of it is in the destination, so the files
        // that remain are free again and go into a new bundle on the next run.
        logger.BundleReleased(manifest.Key, unit.Path);
        BundleManifests.Remove(unit.Path);
        return null;
    }

    /// <summary>The bundle's gzip bytes rebuilt from its files, or null when a file is missing, unreadable or changed.</summary>
    private static async Task<ReadOnlyMemory<byte>?> TryRebuildAsync(ResumedBundle unit, CancellationToken ct)
    {
        using var writer = new BundleWriter(unit.Manifest.RecordBytes);
        foreach (var file in unit.Files)
        {
            try
            {
                writer.Append(await File.ReadAllBytesAsync(file.Path, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return null;
            }
        }
        var (gzip, ndjsonSha256, _) = writer.Finish();
        return Convert.ToHexStringLower(ndjsonSha256) == unit.Manifest.NdjsonSha256 ? gzip : null;
    }

    /// <summary>
    /// The unit's files with their bytes, in the unit's order, <see cref="ReadsAhead"/> reads in flight at a time.
    /// </summary>
    private static async IAsyncEnumerable<(SpooledFile File, byte[]? Bytes)> ReadAheadAsync(
        IReadOnlyList<SpooledFile> files, ISpoolFileReader reader, [EnumeratorCancellation] CancellationToken ct)
    {
        var reads = new Queue<(SpooledFile File, Task<byte[]?> Read)>(ReadsAhead);
        var next = 0;
        try
        {
            while (next < files.Count || reads.Count > 0)
            {
                while (next < files.Count && reads.Count < ReadsAhead)
                {
                    var file = files[next++];
                    reads.Enqueue((file, reader.ReadRecordAsync(file)));
                }
                var (done, read) = reads.Dequeue();
                yield return (done, await read);
            }
        }
        finally
        {
            // Stopped early (cancelled): reads still running count their files in the run's tally, so they finish first.
            await Task.WhenAll(reads.Select(r => (Task)r.Read)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Unfinished bundles (from their manifests) and the pending files no manifest names.
    /// </summary>
    private (List<ResumedBundle> Resumed, IReadOnlyList<SpooledFile> Fresh) Split(IReadOnlyList<SpooledFile> pending, bool cleanUp = true)
    {
        var resumed = new List<ResumedBundle>();
        var claimed = new HashSet<Guid>();
        foreach (var (path, manifest, error) in _manifests.ReadAll(cleanUp))
        {
            if (manifest is null)
            {
                logger.BundleManifestUnreadable(path, error?.Message ?? "");
                // Its bundle may already be stored: every pending file in the id range its name gives stays out of new
                // bundles (a record in two objects is worse than a record that waits), until a person fixes the manifest.
                if (KeyLayout.TryParseBundleKey(BundleManifests.KeyNameOf(path), out var first, out var last))
                {
                    claimed.UnionWith(pending.Where(f => f.Id.CompareTo(first) >= 0 && f.Id.CompareTo(last) <= 0).Select(f => f.Id));
                }
                else
                {
                    claimed.UnionWith(pending.Select(f => f.Id)); // no range to go by: bundle nothing new until it is fixed
                }
                continue;
            }
            claimed.UnionWith(manifest.Ids);
            resumed.Add(new ResumedBundle(path, manifest, [.. manifest.Ids.Select(id => new SpooledFile(id, _spool, 0))]));
        }
        // Only after a crash left manifests are the pending files copied (filtered); normally they are used as listed.
        return (resumed, claimed.Count == 0 ? pending : pending.Where(f => !claimed.Contains(f.Id)).ToList());
    }

    /// <summary>
    /// Consecutive files (the listing is in id order, so in time order) of one UTC hour, split at the limits. Each
    /// chunk is a view of the listing, not a copy: a bundle's files are made as they are read.
    /// </summary>
    private IEnumerable<IReadOnlyList<SpooledFile>> Chunks(IReadOnlyList<SpooledFile> files)
    {
        var start = 0;
        string? hour = null;
        long bytes = 0;
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var fileHour = KeyLayout.HourPrefix("", file.Id);
            var count = i - start;
            if (count > 0 && (fileHour != hour || count >= _options.BundleMaxRecords || bytes + file.Length > _options.BundleMaxBytes))
            {
                yield return Slice(files, start, count);
                start = i;
                bytes = 0;
            }
            hour = fileHour;
            bytes += file.Length;
        }
        if (files.Count > start)
        {
            yield return Slice(files, start, files.Count - start);
        }
    }

    private static ListView<SpooledFile> Slice(IReadOnlyList<SpooledFile> files, int start, int count) => new(count, i => files[start + i]);

    private sealed class ResumedBundle(string path, BundleManifest manifest, IReadOnlyList<SpooledFile> files) : UploadUnit(files)
    {
        public string Path { get; } = path;
        public BundleManifest Manifest { get; } = manifest;
    }
}
