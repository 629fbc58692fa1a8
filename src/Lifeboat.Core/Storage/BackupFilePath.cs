namespace Lifeboat.Core.Storage;

/// <summary>How a --file argument names a backup: a path to an existing file, or a backup's name inside --backup-dir.</summary>
public static class BackupFilePath
{
    /// <summary>
    /// The folder of <paramref name="file"/> when it is an existing file (absolute, or relative to the current folder)
    /// outside <paramref name="backupDirectory"/>; null when it is to be looked up in the backup folder.
    /// </summary>
    public static string? OutsideFolder(string file, string backupDirectory)
    {
        if (!File.Exists(file))
            return null;
        var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        return string.Equals(folder, Path.GetFullPath(backupDirectory).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal) ? null : folder;
    }
}
