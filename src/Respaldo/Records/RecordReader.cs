using Respaldo.Spool;

namespace Respaldo.Records;

/// <summary>Finds a record's exact bytes: in the spool while it waits there, afterwards in the backup destination.</summary>
internal sealed class RecordReader(RecordSpool spool, IEnumerable<IBackedUpRecordSource> backups)
{
    public async Task<byte[]?> ReadAsync(Guid id, CancellationToken ct)
    {
        if (spool.TryRead(id) is { } local)
        {
            return local;
        }
        foreach (var backup in backups)
        {
            if (await backup.TryReadAsync(id, ct) is { } remote)
            {
                return remote;
            }
        }
        return null;
    }
}

/// <summary>Somewhere records live after they leave the spool (the backup destination).</summary>
internal interface IBackedUpRecordSource
{
    Task<byte[]?> TryReadAsync(Guid id, CancellationToken ct);
}
