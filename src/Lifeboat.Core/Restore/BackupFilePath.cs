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

    /// <summary>The --file the catalog does not know: a file that exists is not a Lifeboat backup; otherwise there is no such backup.</summary>
    public static LifeboatException NoSuchBackup(string file, string folder, string verb) => File.Exists(file)
        ? WithoutManifest(file, verb)
        : new LifeboatException($"unable to {verb} '{file}': no such backup in '{folder}'",
            "run `lifeboat list` to see the backups, or give the file's path or --backup-dir", ExitCodes.Failure);

    /// <summary>
    /// A dump with no manifest beside it (a run that died before it, the seed's bare .sql files, a pg_dump of one's own):
    /// say what it lacks and how such a file is restored.
    /// </summary>
    public static LifeboatException WithoutManifest(string file, string verb)
    {
        var name = Path.GetFileName(file);
        var stem = Catalog.BackupNaming.Parse(name)?.Stem;
        var manifest = stem is null ? "no manifest" : $"no manifest ({stem}{Catalog.BackupNaming.ManifestExtension})";
        var plain = name.EndsWith(".sql", StringComparison.OrdinalIgnoreCase) || name.Contains(".sql.", StringComparison.OrdinalIgnoreCase);
        return new LifeboatException(
            $"unable to {verb} '{file}': it has {manifest}, so it is an incomplete backup or a dump lifeboat did not make, "
            + "and its checksums, row counts and migration version cannot be checked",
            (plain ? "a bare plain dump restores with psql -f (decompressed first); " : "a bare pg_dump archive restores with pg_restore; ")
            + "`lifeboat list` shows the complete backups", ExitCodes.Integrity);
    }
}
