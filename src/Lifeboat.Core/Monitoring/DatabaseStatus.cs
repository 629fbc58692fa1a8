using Lifeboat.Core.Backup;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Monitoring;

/// <summary>A database and its backups at a glance (`lifeboat status`).</summary>
public sealed record DatabaseStatus(string Database, long? SizeBytes, string? MigrationVersion, string? ServerProblem,
    CatalogEntry? NewestBackup, int BackupCount, long BackupBytes, long FreeBytes, CatalogEntry? NewestVerified, int IncompleteCount)
{
    public static async Task<DatabaseStatus> ReadAsync(ConnectionSettings settings, LocalFolderStore store, IPasswordPrompt? prompt, CancellationToken ct)
    {
        long? size = null;
        string? migration = null;
        string? problem = null;
        try
        {
            var authenticated = await PostgresConnector.AuthenticateAsync(settings, prompt, ct);
            await using var connection = await PostgresConnector.OpenAsync(authenticated, ct);
            var catalog = new CatalogReader(connection);
            size = (await catalog.ServerFactsAsync(ct)).DatabaseSizeBytes;
            migration = (await MigrationTables.ReadVersionAsync(catalog, MigrationTables.Find(await catalog.UserTablesAsync(ct)), ct))?.Version;
        }
        catch (LifeboatException e)
        {
            problem = e.Message; // the backups can still be reported
        }

        var entries = BackupCatalog.Scan(store, settings.Database);
        var complete = entries.Where(e => e.IsComplete).ToList();
        return new DatabaseStatus(settings.Database, size, migration, problem,
            complete.FirstOrDefault(), complete.Count, entries.Where(e => e.IsComplete).Sum(e => e.Manifest!.TotalSizeBytes), store.FreeBytes(),
            complete.Where(e => e.Manifest!.Verification is not null).OrderByDescending(e => e.Manifest!.Verification!.At).FirstOrDefault(),
            entries.Count(e => !e.IsComplete));
    }
}
