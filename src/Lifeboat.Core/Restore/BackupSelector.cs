using Lifeboat.Core.Errors;
using Lifeboat.Core.Catalog;

namespace Lifeboat.Core.Restore;

/// <summary>Picks the backup to restore from the folder's catalog (pure: entries in, entry out).</summary>
public static class BackupSelector
{
    /// <param name="otherTargetGiven">--target-db was given: a backup of another database may go there.</param>
    public static CatalogEntry Select(IReadOnlyList<CatalogEntry> entries, string database, BackupChoice choice, string folder, bool otherTargetGiven = false)
    {
        // Safety backups (label pre-restore) hold what a restore replaced: --latest after a restore must not bring it back.
        // They are picked by --file or from the interactive list.
        var complete = entries.Where(e => e.Database == database && e.IsComplete && !e.IsSafetyBackup).OrderByDescending(e => e.CreatedAt).ToList();
        if (choice.File is { } file)
        {
            var name = Path.GetFileName(file);
            var parsed = BackupNaming.ParseUserGiven(name);
            var entry = entries.FirstOrDefault(e => parsed is not null && e.Stem == parsed.Stem);
            if (entry is null)
                throw BackupFilePath.NoSuchBackup(file, folder, "restore");
            if (entry.State == EntryState.NoManifest)
                throw BackupFilePath.WithoutManifest(file, "restore");
            if (!entry.IsComplete)
                throw Incomplete(entry, folder);
            if (entry.Database != database && !otherTargetGiven)
                throw new LifeboatException($"unable to restore '{name}' into '{database}': it is a backup of database '{entry.Database}'",
                    $"to put it in place of '{database}', add --target-db {database}; to restore '{entry.Database}', use -d {entry.Database}", ExitCodes.Usage);
            return entry;
        }
        if (complete.Count == 0)
            throw new LifeboatException($"unable to restore '{database}': no complete backup of it in '{folder}'",
                "check --dbname and --backup-dir; `lifeboat list` shows what is there", ExitCodes.Failure);
        if (choice.At is { } at)
        {
            return complete.FirstOrDefault(e => e.CreatedAt <= at)
                ?? throw new LifeboatException($"unable to restore '{database}' as of {at:yyyy-MM-dd HH:mm:ss zzz}: the oldest backup is from {complete[^1].CreatedAt:yyyy-MM-dd HH:mm:ss zzz}",
                    "choose a later time, or pick a backup with --file", ExitCodes.Failure);
        }
        return complete[0];
    }

    public static LifeboatException Incomplete(CatalogEntry entry, string folder) => new(
        $"unable to restore '{entry.Stem}': the backup is incomplete ({entry.Describe()}{(entry.Problem is null ? "" : ": " + entry.Problem)})",
        $"choose another backup from `lifeboat list --backup-dir {folder}`", ExitCodes.Integrity);
}
