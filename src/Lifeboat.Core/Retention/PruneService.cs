using Lifeboat.Core.Catalog;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Retention;

/// <summary>`lifeboat prune`: the rotation that follows each backup, on its own, for one database or every one in the store.</summary>
public sealed class PruneService(IBackupStores stores, TimeProvider clock)
{
    public async Task<PruneResult> PruneAsync(PruneRequest request, CancellationToken ct)
    {
        var store = stores.Open(request.BackupDirectory);
        await store.EnsureReadableAsync(ct);
        // One scan of the store (every manifest read once), planned per database.
        var entries = await BackupCatalog.ScanAsync(store, request.Database, ct);
        var databases = request.Database is { } one ? [one]
            : entries.Select(e => e.Database).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var results = new List<DatabasePrune>();
        foreach (var database in databases)
        {
            var plan = RetentionPlanner.Plan(entries.Where(e => e.Database == database).ToList(), request.Policy, clock.GetLocalNow());
            try
            {
                var deleted = request.DryRun ? [] : await RetentionApplier.ApplyAsync(store, plan, ct);
                results.Add(new DatabasePrune(database, plan, deleted, null));
            }
            catch (RetentionApplier.PartlyDoneException e)
            {
                // The other databases still get their rotation; the report says what was deleted and what stopped it.
                results.Add(new DatabasePrune(database, plan, e.Deleted, e.Message));
            }
        }
        return new PruneResult(store.Location, request.Policy, request.DryRun, results);
    }
}

public sealed record PruneRequest(string BackupDirectory, RetentionPolicy Policy)
{
    public string? Database { get; init; }
    public bool DryRun { get; init; }
}

/// <summary>What rotation would delete (or deleted) of one database's backups, and what stopped it, if anything did.</summary>
public sealed record DatabasePrune(string Database, RetentionPlan Plan, IReadOnlyList<string> DeletedFiles, string? Problem);

public sealed record PruneResult(string Location, RetentionPolicy Policy, bool DryRun, IReadOnlyList<DatabasePrune> Databases)
{
    public bool Failed => Databases.Any(d => d.Problem is not null);
}
