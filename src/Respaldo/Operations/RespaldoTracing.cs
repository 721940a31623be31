using System.Diagnostics;
using Respaldo.Backup;

namespace Respaldo.Operations;

/// <summary>
/// The service's spans: one per intake request, per backup or restore run (with its run id) and per upload.
/// With no listener (no OTLP endpoint configured) <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns null and costs next to nothing, which is why every helper here accepts a null activity.
/// </summary>
internal static class RespaldoTracing
{
    public const string SourceName = "Respaldo";
    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartRun(string kind, string runId, string trigger, string destination)
    {
        var activity = Source.StartActivity(kind);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("respaldo.run_id", runId);
            activity.SetTag("respaldo.trigger", trigger);
            activity.SetTag("respaldo.destination", destination);
        }
        return activity;
    }

    public static void Finish(Activity? activity, RunSummary summary)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }
        activity.SetTag("respaldo.outcome", RespaldoMetrics.Snake(summary.Outcome));
        activity.SetTag("respaldo.files", summary.Files);
        activity.SetTag("respaldo.uploaded", summary.Uploaded);
        activity.SetTag("respaldo.failed", summary.Failed);
        activity.SetTag("respaldo.bytes", summary.Bytes);
        if (summary.Outcome != RunOutcome.Succeeded)
        {
            activity.SetStatus(ActivityStatusCode.Error, $"{summary.Failed} of {summary.Files} files failed");
        }
    }

    public static Activity? StartUpload(string key, int bytes)
    {
        var activity = Source.StartActivity("upload");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("respaldo.key", key);
            activity.SetTag("respaldo.bytes", bytes);
        }
        return activity;
    }

    public static void Failed(Activity? activity, BackupException error)
    {
        activity?.SetTag("respaldo.error", RespaldoMetrics.Snake(error.Kind));
        activity?.SetStatus(ActivityStatusCode.Error, error.Message);
    }
}
