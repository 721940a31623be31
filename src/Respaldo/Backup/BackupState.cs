using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Respaldo.Spool;

namespace Respaldo.Backup;

/// <summary>
/// What outlives a process: the last run's summary and when the spool was first seen, kept in
/// <c>.respaldo/state.json</c> beside the spool so that the service, a command-line run and <c>status</c> agree,
/// and a service that was down when a run was due knows to catch up.
/// </summary>
internal sealed class BackupState(IOptions<SpoolOptions> spool)
{
    private readonly Lock _gate = new();
    private string Path => System.IO.Path.Combine(spool.Value.StatePath, "state.json");

    public StateFile Read()
    {
        lock (_gate)
        {
            try
            {
                return JsonSerializer.Deserialize(File.ReadAllBytes(Path), StateJson.Default.StateFile) ?? new StateFile();
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                return new StateFile();
            }
        }
    }

    public void Update(Func<StateFile, StateFile> change)
    {
        lock (_gate)
        {
            var next = change(Read());
            SpoolFolder.CreatePrivate(spool.Value.StatePath);
            var temp = Path + SpoolFolder.TempExtension;
            File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(next, StateJson.Default.StateFile));
            File.Move(temp, Path, overwrite: true);
        }
    }
}

internal sealed record StateFile
{
    public DateTimeOffset? FirstSeenAt { get; init; }
    public RunSummary? LastRun { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(StateFile))]
[JsonSerializable(typeof(RunSummary))]
internal sealed partial class StateJson : JsonSerializerContext;
