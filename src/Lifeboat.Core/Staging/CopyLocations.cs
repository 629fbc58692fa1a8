namespace Lifeboat.Core.Staging;

/// <summary>
/// Where the decompressed copy for pg_restore --jobs goes: a private 0700 folder beside the backup (or in the temp
/// folder for a store that is not local), named after our host and process, so that folders of this host's processes
/// that are gone can be removed (a killed restore leaves one; a backup folder shared over the network may hold another
/// host's live one). Memory (/dev/shm) was measured too and gained nothing: the copy is made while the checksums and
/// the server are checked.
/// </summary>
public static class CopyLocations
{
    private const string Prefix = ".lifeboat-restore-";

    private static string OurPrefix => $"{Prefix}{Environment.MachineName}-";

    /// <summary>The folder the copies of a store's archives go in.</summary>
    public static string FolderFor(Storage.IBackupStore store) => store.Local?.Root ?? Path.GetTempPath();

    /// <summary>The copy's path, in this process's folder inside <paramref name="folder"/> (created by the caller).</summary>
    public static string CopyPath(string folder, string archiveName) =>
        Path.Combine(folder, OurPrefix + Environment.ProcessId, archiveName + ".tmp");

    /// <summary>Removes a copy and its private folder; never fails.</summary>
    public static void Remove(string copyPath)
    {
        try { Directory.Delete(Path.GetDirectoryName(copyPath)!, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Copies in <paramref name="folder"/> left by restores of this host that were killed (their process is gone).</summary>
    public static IReadOnlyList<string> FindStale(string folder)
    {
        try
        {
            return Directory.EnumerateDirectories(folder, OurPrefix + "*")
                .Where(dir => int.TryParse(Path.GetFileName(dir)[OurPrefix.Length..], out var pid) && pid != Environment.ProcessId && !LocalProcess.IsAlive(pid))
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>Removes the stale copies in <paramref name="folder"/>; never fails. Returns what it removed.</summary>
    public static IReadOnlyList<string> RemoveStale(string folder)
    {
        var removed = new List<string>();
        foreach (var dir in FindStale(folder))
        {
            try
            {
                Directory.Delete(dir, recursive: true);
                removed.Add(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }
}
