using Lifeboat.Core.Catalog;

namespace Lifeboat.Core.Retention;

/// <summary>
/// Decides what rotation deletes, without touching anything. Only complete backups and logs of failed runs are
/// candidates (never partials, foreign files or damaged manifests), and the newest complete backups are always kept
/// whatever their age: peers have lost everything to retention while new backups kept failing.
/// </summary>
public static class RetentionPlanner
{
    public static RetentionPlan Plan(IReadOnlyList<CatalogEntry> entries, RetentionPolicy policy, DateTimeOffset now)
    {
        var cutoff = now.AddDays(-policy.RetentionDays);
        var keepLast = Math.Max(1, policy.KeepLast);
        // Safety backups of restores do not count among the newest to keep: a run of restores must not push out regular backups.
        var complete = entries.Where(e => e.IsComplete && !e.IsSafetyBackup).OrderByDescending(e => e.CreatedAt).ToList();
        var protectedStems = complete.Take(keepLast).Select(e => e.Stem).ToHashSet(StringComparer.Ordinal);

        var delete = new List<CatalogEntry>();
        var keep = new List<CatalogEntry>();
        foreach (var entry in entries)
        {
            var candidate = entry.State is EntryState.Complete or EntryState.FailedRun;
            if (candidate && entry.CreatedAt < cutoff && !protectedStems.Contains(entry.Stem))
                delete.Add(entry);
            else
                keep.Add(entry);
        }
        return new RetentionPlan(delete, keep, cutoff);
    }
}

/// <summary>What rotation would delete and keep, for `prune --dry-run` and for the real run alike.</summary>
public sealed record RetentionPlan(IReadOnlyList<CatalogEntry> Delete, IReadOnlyList<CatalogEntry> Keep, DateTimeOffset Cutoff);
