namespace Respaldo.Backup;

/// <summary>
/// One backup run at a time per spool folder, across processes: the schedule, <c>POST /backup</c> and a
/// command-line run from a system crontab all take an exclusive OS lock (flock, which .NET takes for
/// FileShare.None) on <c>.respaldo/backup.lock</c>. The OS drops it when the holder dies, so a killed run
/// never blocks the next one.
/// </summary>
internal static class BackupLock
{
    public static async Task<IDisposable?> TryAcquireAsync(string stateDirectory, TimeSpan wait, TimeProvider time, CancellationToken ct)
    {
        // A run writes into the spool folder (its lock, its state), so it creates the folders as the service would;
        // verbs that only read (status) never get here.
        Spool.SpoolFolder.CreatePrivate(stateDirectory);
        var path = Path.Combine(stateDirectory, "backup.lock");
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct);
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException e)
            {
                // Typically left by one run as root (sudo respaldo backup): say what to fix instead of failing obscurely.
                throw new BackupException(ErrorKind.LocalIo,
                    $"Cannot open the backup lock {path}: {e.Message} It probably belongs to another user (a run as root?); give it to the service's user (chown) or remove it.", e);
            }
        }
    }
}

/// <summary>Another run holds the lock; this one did nothing.</summary>
internal sealed class BackupBusyException(string message) : Exception(message);
