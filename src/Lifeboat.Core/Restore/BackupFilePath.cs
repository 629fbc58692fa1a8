using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Restore;

/// <summary>How a --file argument names a backup: a path to an existing file, or a backup's name inside --backup-dir.</summary>
public static class BackupFilePath
{
    /// <summary>
    /// The folder to look for <paramref name="file"/> in: its own folder when it is an existing file (absolute, or
    /// relative to the current folder) outside <paramref name="backupDirectory"/>, else the backup folder. A path that
    /// names a file that does not exist, or a bare name when there is no backup folder, is an error that says so.
    /// </summary>
    public static string FolderOf(string file, string backupDirectory, string verb)
    {
        // A backup's bare stem names it too (its manifest is stem.json).
        var existing = File.Exists(file) ? file : File.Exists(file + Catalog.BackupNaming.ManifestExtension) ? file + Catalog.BackupNaming.ManifestExtension : null;
        if (existing is not null)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(existing))!;
            return string.Equals(folder, Path.GetFullPath(backupDirectory).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal) ? backupDirectory : folder;
        }
        var isPath = file.Contains(Path.DirectorySeparatorChar) || file.Contains(Path.AltDirectorySeparatorChar);
        var inFolder = File.Exists(Path.Combine(backupDirectory, Path.GetFileName(file)))
            || File.Exists(Path.Combine(backupDirectory, Path.GetFileName(file) + Catalog.BackupNaming.ManifestExtension));
        if ((isPath && !inFolder) || !Directory.Exists(backupDirectory))
            throw new LifeboatException($"unable to {verb} '{file}': the file does not exist",
                isPath ? "check the path (`lifeboat list --backup-dir FOLDER` shows the backups in a folder)"
                    : $"give its path, or the folder it is in with --backup-dir (there is no backup folder '{backupDirectory}')", ExitCodes.Failure);
        return backupDirectory;
    }
}
