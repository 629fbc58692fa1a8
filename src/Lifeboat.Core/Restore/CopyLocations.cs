namespace Lifeboat.Core.Restore;

/// <summary>
/// Where the decompressed copy for pg_restore --jobs goes: a private 0700 folder beside the backup, named after our
/// host and process, so that folders of this host's processes that are gone can be removed (a killed restore
/// leaves one; a backup folder shared over the network may hold another host's live one). Memory
/// (/dev/shm) was measured too and gained nothing: the copy is made while the checksums and the server are checked.
/// </summary>
public static class CopyLocations
{
    private const string Prefix = ".lifeboat-restore-";

    private static string OurPrefix => $"{Prefix}{Environment.MachineName}-";

    /// <summary>The copy's path, in this process's folder beside the archive (created by the caller).</summary>
    public static string CopyPath(string archivePath) =>
        Path.Combine(Path.GetDirectoryName(archivePath)!, OurPrefix + Environment.ProcessId, Path.GetFileName(archivePath) + ".tmp");

    /// <summary>Removes a copy and its private folder; never fails.</summary>
    public static void Remove(string copyPath)
    {
        try { Directory.Delete(Path.GetDirectoryName(copyPath)!, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Removes copies left by restores that were killed (their process is gone); never fails.</summary>
    public static void RemoveStale(string archivePath)
    {
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(Path.GetDirectoryName(archivePath)!, OurPrefix + "*"))
            {
                if (int.TryParse(Path.GetFileName(dir)[OurPrefix.Length..], out var pid) && pid != Environment.ProcessId && !IsAlive(pid))
                    Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
