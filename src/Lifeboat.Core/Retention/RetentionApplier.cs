using Lifeboat.Core.Catalog;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Retention;

/// <summary>Carries out a retention plan: deletes each backup's files, the manifest first so a half-deleted backup is never taken for a complete one.</summary>
public static class RetentionApplier
{
    /// <summary>Returns the files deleted; a failure midway throws <see cref="PartlyDoneException"/>, which says what was deleted before it.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(IBackupStore store, RetentionPlan plan, CancellationToken ct)
    {
        var deleted = new List<string>();
        foreach (var entry in plan.Delete)
        {
            var ordered = OwnFiles(entry).OrderBy(f => f.EndsWith(BackupNaming.ManifestExtension, StringComparison.Ordinal) ? 0 : 1);
            foreach (var file in ordered)
            {
                try
                {
                    await store.DeleteAsync(file, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new PartlyDoneException($"unable to delete '{file}': {e.Message}", deleted, e);
                }
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
            stem + BackupNaming.ManifestExtension, stem + BackupNaming.LogExtension, stem + BackupNaming.RestoreLogExtension,
        };
        if (entry.Manifest is { } manifest)
            own.UnionWith(manifest.AllFiles.Select(f => f.Name));
        return entry.Files.Where(own.Contains);
    }

    /// <summary>Rotation stopped at a file it could not delete; <see cref="Deleted"/> is what went before.</summary>
    public sealed class PartlyDoneException(string message, IReadOnlyList<string> deleted, Exception inner) : IOException(message, inner)
    {
        public IReadOnlyList<string> Deleted { get; } = deleted;
    }
}
