using Microsoft.Extensions.Options;
using Respaldo.Records;

namespace Respaldo.Backup;

/// <summary>
/// The layout new runs write (chosen here, once) and the order in which layouts are asked to read: the configured
/// one first, then the others, so records written under any layout stay readable after a switch.
/// </summary>
internal sealed class BackupLayouts(IOptions<BackupOptions> options, RecordLayout record, BundleLayout bundle) : IBackedUpRecordSource
{
    public IBackupLayout Active { get; } = options.Value.Layout == BackupLayout.Bundle ? bundle : record;

    public IReadOnlyList<IBackupLayout> Readers { get; } = options.Value.Layout == BackupLayout.Bundle ? [bundle, record] : [record, bundle];

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
