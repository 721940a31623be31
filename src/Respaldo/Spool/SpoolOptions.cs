using System.ComponentModel.DataAnnotations;
using Respaldo.Hosting;

namespace Respaldo.Spool;

internal sealed class SpoolOptions
{
    public const string Section = "Storage";

    /// <summary>The spool folder; relative paths are resolved against the working directory.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Directory { get; set; } = "data/records";

    /// <summary>A quota on the spool's pending bytes; 0 means only the disk's own size limits it.</summary>
    [Range(0, long.MaxValue)]
    public long MaxBytes { get; set; }

    /// <summary>What a full or failing spool tells clients to wait before retrying.</summary>
    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the in-memory backlog figures are reconciled with the folder (another process may back up).</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// <see cref="SyncPipeline.Overlapped"/> writes the next batch while the previous one is synced;
    /// <see cref="SyncPipeline.Serial"/> writes a batch only after the previous one's sync returned.
    /// </summary>
    [EnumDataType(typeof(SyncPipeline))]
    public SyncPipeline SyncPipeline { get; set; } = SyncPipeline.Overlapped;

    public string FullPath => Path.GetFullPath(Directory);

    /// <summary>Respaldo's own files (lock, run state, quarantine) live in a hidden folder inside the spool.</summary>
    public string StatePath => Path.Combine(FullPath, ".respaldo");

    public string QuarantinePath => Path.Combine(StatePath, "quarantine");
}

/// <summary>How the group-commit writer schedules its syncs (both keep the same promise; see SpoolWriter).</summary>
internal enum SyncPipeline
{
    Overlapped,
    Serial,
}
