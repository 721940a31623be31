using System.Text.Json.Serialization;

namespace Respaldo.Backup;

/// <summary>What a backup or restore run did; printed by the CLI, returned by <c>POST /backup</c>, kept for status.</summary>
internal sealed record RunSummary
{
    public required string RunId { get; init; }
    public required string Trigger { get; init; }
    public required string Destination { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public RunOutcome Outcome { get; init; }
    public int Files { get; init; }
    public int Uploaded { get; init; }
    public int Failed { get; init; }
    public int Skipped { get; init; }
    public long Bytes { get; init; }
    /// <summary>The layout the run wrote (<c>Record</c> or <c>Bundle</c>); empty for restores and older saved runs.</summary>
    public string Layout { get; init; } = "";
    /// <summary>Objects written and verified: one per record, or one per bundle.</summary>
    public int Objects { get; init; }
    /// <summary>Bytes of those objects (compressed, for bundles).</summary>
    public long ObjectBytes { get; init; }
    public double Seconds => Math.Round((FinishedAt - StartedAt).TotalSeconds, 3);
    public Dictionary<string, int> ErrorsByKind { get; init; } = [];
    public List<string> FirstErrors { get; init; } = [];
    /// <summary>What to do about the run's errors, the same sentences <c>check</c> gives (<see cref="DestinationHints"/>).</summary>
    // A run saved before hints existed lacks them; keep the list non-null for every reader.
    public List<string> Hints { get; init => field = value ?? []; } = [];

    private bool IsRestore => Trigger == RestoreRunner.Trigger;

    public string ToText() =>
        $"{Trigger} run {RunId} {(IsRestore ? "from" : "to")} {Destination}: {Outcome}. {Uploaded} {(IsRestore ? "restored" : "uploaded")}, {Failed} failed, {Skipped} skipped of {Counted.Of(Files, "file")}, "
        + $"{Counted.Of(Bytes, "byte")} in {Seconds:0.###} s"
        + (Layout == nameof(BackupLayout.Bundle) ? $", as {Counted.Of(Objects, "bundle")} of {Counted.Of(ObjectBytes, "byte")}" : "")
        + (ErrorsByKind.Count == 0 ? "." : ". Errors: " + string.Join(", ", ErrorsByKind.Select(e => $"{e.Key} {e.Value}")) + ".")
        + string.Concat(Hints.Select(h => " " + h));
}

[JsonConverter(typeof(JsonStringEnumConverter<RunOutcome>))]
internal enum RunOutcome
{
    /// <summary>Every file was backed up (or there was nothing to do).</summary>
    Succeeded,
    /// <summary>Some files failed and stay spooled; the next run retries them.</summary>
    PartiallyFailed,
    /// <summary>No file could be backed up; all stay spooled.</summary>
    Failed,
}

/// <summary>Counts as people write them in summaries: "1 file", "2 files", "0 files".</summary>
internal static class Counted
{
    public static string Of(long count, string singular) => count == 1 ? $"1 {singular}" : $"{count} {singular}s";
}
