using Respaldo.Records;

namespace Respaldo.Backup;

/// <summary>
/// The layout new runs write (chosen here, once) and the order in which layouts are asked to read: the configured
/// one first, then the others, so records written under any layout stay readable after a switch.
/// </summary>
internal sealed class BackupLayouts(RecordLayout record) : IBackedUpRecordSource
{
    public IBackupLayout Active { get; } = record;

    public IReadOnlyList<IBackupLayout> Readers { get; } = [record];

    public async Task<byte[]?> TryReadAsync(Guid id, CancellationToken ct)
    {
        foreach (var layout in Readers)
        {
            if (await layout.TryReadAsync(id, ct) is { } bytes)
            {
                return bytes;
            }
        }
        return null;
    }
}
