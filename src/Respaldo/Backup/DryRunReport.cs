namespace Respaldo.Backup;

/// <summary>
/// <c>backup --dry-run --json</c>: what a run would write, for scripts. <see cref="Objects"/> lists each object (its
/// key, record count, bytes, and the spooled file for a record object); the totals are the text summary's.
/// </summary>
internal sealed record DryRunReport(string Destination, string Layout, int Files, long Bytes, List<PlannedObject> Objects)
{
    public static DryRunReport Of(IEnumerable<PlannedObject> plan, string destination, string layout)
    {
        var objects = plan.ToList();
        return new(destination, layout, objects.Sum(o => o.Records), objects.Sum(o => o.Bytes), objects);
    }
}
