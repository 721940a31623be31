namespace Respaldo.Backup;

/// <summary>
/// What a restore did, in its own words: records restored, failed and skipped, the objects it read and the folder it
/// wrote, printed by the <c>restore</c> verb (a line of text, or this object with <c>--json</c>). A backup's summary
/// speaks of uploads and of the layout it wrote, which mean nothing for a restore.
/// </summary>
internal sealed record RestoreReport
{
    public required string RunId { get; init; }
    public required string Destination { get; init; }
    /// <summary>The folder the records were restored into.</summary>
    public required string Into { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public double Seconds => Math.Round((FinishedAt - StartedAt).TotalSeconds, 3);
    public RunOutcome Outcome { get; init; }
    /// <summary>Records that matched the request: each one is restored, failed or skipped.</summary>
    public int Records { get; init; }
    /// <summary>Record files written into the folder.</summary>
    public int Restored { get; init; }
    /// <summary>Records (or whole objects, or listings) that could not be restored; see <see cref="ErrorsByKind"/>.</summary>
    public int Failed { get; init; }
    /// <summary>Records already in the folder with identical bytes, left as they were.</summary>
    public int Skipped { get; init; }
    /// <summary>Bytes of the record files written.</summary>
    public long Bytes { get; init; }
    /// <summary>Objects read from the destination: one per record, or one per bundle.</summary>
    public int ObjectsRead { get; init; }
    public Dictionary<string, int> ErrorsByKind { get; init; } = [];
    public List<string> FirstErrors { get; init; } = [];
    /// <summary>What to do about the errors, the sentences <c>check</c> and a backup run give (<see cref="DestinationHints"/>).</summary>
    public List<string> Hints { get; init; } = [];

    public static RestoreReport From(RunSummary run, string into) => new()
    {
        RunId = run.RunId,
        Destination = run.Destination,
        Into = into,
        StartedAt = run.StartedAt,
        FinishedAt = run.FinishedAt,
        Outcome = run.Outcome,
        Records = run.Files,
        Restored = run.Uploaded,
        Failed = run.Failed,
        Skipped = run.Skipped,
        Bytes = run.Bytes,
        ObjectsRead = run.Objects,
        ErrorsByKind = run.ErrorsByKind,
        FirstErrors = run.FirstErrors,
        Hints = run.Hints,
    };

    public string ToText() =>
        $"restore run {RunId} from {Destination} into {Into}: {Outcome}. {Restored} restored, {Failed} failed, {Skipped} skipped of "
        + $"{Counted.Of(Records, "record")} from {Counted.Of(ObjectsRead, "object")} read, {Counted.Of(Bytes, "byte")} written in {Seconds:0.###} s"
        + (ErrorsByKind.Count == 0 ? "." : ". Errors: " + string.Join(", ", ErrorsByKind.Select(e => $"{e.Key} {e.Value}")) + ".")
        // Zero of zero reads like a success; say plainly that the source held nothing (a wrong prefix, or no record in
        // the days asked for). Not when something failed: then the source could not be read, which the errors say.
        + (Records == 0 && ObjectsRead == 0 && Failed == 0 ? $" No backed-up records found in {Destination}{(Ranged ? " for the days asked for" : "")}." : "")
        + string.Concat(Hints.Select(h => " " + h));

    /// <summary>Whether the restore asked for some days only (--from, --to), so finding nothing may be the range's doing.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Ranged { get; init; }
}
