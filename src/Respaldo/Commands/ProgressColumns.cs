using System.Globalization;
using Respaldo.Backup;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Respaldo.Commands;

/// <summary>The columns of a run's progress line; each reads the latest <see cref="RunProgress"/> from the task's tag.</summary>
internal static class ProgressColumns
{
    /// <summary>
    /// "37/120 files, 4.5 KiB" (a restore, still listing, shows "37 files"). <see cref="Compact"/>, for an 80-column
    /// terminal: "37/120, 4.5 KiB", and with failures "37/120, 3 failed" in place of the bytes.
    /// </summary>
    internal sealed class Files : ProgressColumn
    {
        public bool Compact { get; init; }

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            if (task.Tag is not RunProgress p)
            {
                return new Text("starting");
            }
            var style = p.Failed > 0 ? new Style(Color.Yellow) : Style.Plain;
            var files = task.IsIndeterminate ? Counted.Of(p.Done, "file") : Compact ? $"{p.Done}/{p.Files}" : $"{p.Done}/{p.Files} {(p.Files == 1 ? "file" : "files")}";
            if (Compact)
            {
                return new Text(p.Failed > 0 ? $"{files}, {p.Failed} failed" : $"{files}, {Bytes(p.Bytes)}", style);
            }
            var failed = p.Failed > 0 ? $", {p.Failed} failed" : "";
            return new Text($"{files}{failed}, {Bytes(p.Bytes)}", style);
        }
    }

    /// <summary>"12 files/s, 1.6 KiB/s", the average over the run so far.</summary>
    internal sealed class Rate : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var seconds = task.ElapsedTime?.TotalSeconds ?? 0;
            if (task.Tag is not RunProgress p || seconds <= 0)
            {
                return Text.Empty;
            }
            return new Text($"{(p.Done / seconds).ToString(p.Done / seconds < 10 ? "0.#" : "0", CultureInfo.InvariantCulture)} files/s, {Bytes((long)(p.Bytes / seconds))}/s");
        }
    }

    /// <summary>"about 40 s left" from the rate so far; "done in 3.2 s" at the end.</summary>
    internal sealed class TimeLeft : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var elapsed = task.ElapsedTime ?? TimeSpan.Zero;
            if (task.IsFinished)
            {
                return new Text($"done in {Duration(elapsed)}", new Style(Color.Green));
            }
            if (task.IsIndeterminate || task.Tag is not RunProgress { Done: > 0 } p || elapsed <= TimeSpan.Zero)
            {
                return new Text($"{Duration(elapsed)} elapsed");
            }
            var left = elapsed / p.Done * (p.Files - p.Done);
            return new Text($"about {Duration(left)} left");
        }
    }

    public static string Bytes(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? Counted.Of(bytes, "byte") : value.ToString(value < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }
        return span.TotalSeconds switch
        {
            < 10 => span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
            < 60 => $"{(int)span.TotalSeconds} s",
            < 3600 => $"{span.Minutes} min {span.Seconds} s",
            < 86400 => $"{span.Hours} h {span.Minutes} min",
            _ => $"{(int)span.TotalDays} d {span.Hours} h",
        };
    }
}
