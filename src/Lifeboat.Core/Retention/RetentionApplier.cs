using Lifeboat.Core.Manifest;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Retention;

/// <summary>Carries out a retention plan: deletes each backup's files, the manifest first so a half-deleted backup is never taken for a complete one.</summary>
public static class RetentionApplier
{
    public static IReadOnlyList<string> Apply(LocalFolderStore store, RetentionPlan plan)
    {
        var deleted = new List<string>();
        foreach (var entry in plan.Delete)
        {
            var ordered = OwnFiles(entry).OrderBy(f => f.EndsWith(Backup.BackupNaming.ManifestExtension, StringComparison.Ordinal) ? 0 : 1);
            foreach (var file in ordered)
            {
                store.Delete(file);
                deleted.Add(file);
            }
        }
        return deleted;
    }

    /// <summary>Only the files lifeboat wrote for this backup: those its manifest names, the manifest and the logs.</summary>
    private static IEnumerable<string> OwnFiles(CatalogEntry entry)
    {
        var stem = entry.Stem;
        var own = new HashSet<string>(StringComparer.Ordinal)
        {
            stem + Backup.BackupNaming.ManifestExtension, stem + Backup.BackupNaming.LogExtension, stem + Backup.BackupNaming.RestoreLogExtension,
        };
        if (entry.Manifest is { } manifest)
            own.UnionWith(manifest.AllFiles.Select(f => f.Name));
        return entry.Files.Where(own.Contains);
    }

    public static RetentionPlan PlanFor(LocalFolderStore store, string database, RetentionPolicy policy, DateTimeOffset now) =>
        RetentionPlanner.Plan(BackupCatalog.Scan(store, database), policy, now);
}
