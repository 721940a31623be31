using System.Text.Json;
using System.Text.Json.Serialization;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// What a bundle holds, fixed durably before its upload: the key (its name carries the first and last id), every
/// record id in order, and the SHA-256 and length of the NDJSON inside. A run that finds a manifest completes it
/// before packing anything new, so after any crash a record is only ever uploaded inside this one bundle.
/// </summary>
/// <param name="Bytes">Length of the NDJSON: the record files' bytes plus one newline each.</param>
internal sealed record BundleManifest(string Key, int Records, long Bytes, string NdjsonSha256, IReadOnlyList<Guid> Ids)
{
    /// <summary>The record files' own bytes, as the Record layout counts them.</summary>
    [JsonIgnore]
    public long RecordBytes => Bytes - Records;
}

/// <summary>The manifests of unfinished bundles, in <c>&lt;spool&gt;/.respaldo/bundles/</c>, one file each.</summary>
internal sealed class BundleManifests(string folder)
{
    private const string Extension = ".manifest.json";

    public string Folder { get; } = folder;

    /// <summary>Writes the manifest durably (DurableFile) and returns its path.</summary>
    public string Write(BundleManifest manifest)
    {
        var path = Path.Combine(Folder, Path.GetFileName(manifest.Key) + Extension);
        // Streamed into the file: a 20,000-record manifest is about 800 KB, which as a byte array would be one more
        // large-object-heap allocation per bundle.
        DurableFile.Write(path, stream => JsonSerializer.Serialize(stream, manifest, BundleManifestJson.Default.BundleManifest));
        return path;
    }

    /// <summary>Every unfinished bundle's manifest, oldest first. A manifest that cannot be read is reported, not skipped silently.</summary>
    /// <param name="cleanUp">Remove temporary files a crash left; false for a dry run, which changes nothing (and holds no lock).</param>
    public List<(string Path, BundleManifest? Manifest, Exception? Error)> ReadAll(bool cleanUp = true)
    {
        var found = new List<(string, BundleManifest?, Exception?)>();
        if (!Directory.Exists(Folder))
        {
            return found;
        }
        foreach (var path in Directory.EnumerateFiles(Folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (DurableFile.IsTemporary(name))
            {
                if (cleanUp)
                {
                    TryDelete(path); // a write the crash interrupted; that bundle was never uploaded
                }
                continue;
            }
            if (!name.EndsWith(Extension, StringComparison.Ordinal))
            {
                continue;
            }
            try
            {
                found.Add((path, JsonSerializer.Deserialize(File.ReadAllBytes(path), BundleManifestJson.Default.BundleManifest), null));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                found.Add((path, null, e));
            }
        }
        return found;
    }

    public static void Remove(string path) => File.Delete(path);

    /// <summary>The bundle key's name a manifest file is named after (<c>{first}_{last}.ndjson.gz</c>), readable even when its content is not.</summary>
    public static string KeyNameOf(string manifestPath) => Path.GetFileName(manifestPath)[..^Extension.Length];

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BundleManifest))]
internal sealed partial class BundleManifestJson : JsonSerializerContext;
