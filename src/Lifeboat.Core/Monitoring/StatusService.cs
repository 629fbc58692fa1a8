using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Monitoring;

/// <summary>`lifeboat status`: a database and its backups at a glance; the backups are reported even when the server is not reachable.</summary>
public sealed class StatusService(IBackupStores stores, IPasswordPrompt? prompt)
{
    public async Task<DatabaseStatus> StatusAsync(StatusRequest request, CancellationToken ct)
    {
        var settings = request.Connection;
        long? size = null;
        string? migration = null;
        string? problem = null;
        try
        {
            var (_, opened) = await PostgresConnector.ConnectAsync(settings, prompt, ct);
            await using var connection = opened;
            var catalog = new CatalogReader(connection);
            size = (await catalog.ServerFactsAsync(ct)).DatabaseSizeBytes;
            migration = (await MigrationTables.ReadVersionAsync(catalog, MigrationTables.Find(await catalog.UserTablesAsync(ct)), ct))?.Version;
        }
        catch (LifeboatException e)
        {
            problem = e.Message; // the backups can still be reported
        }
        catch (Npgsql.NpgsqlException e)
        {
            problem = e.Message.Split('\n')[0];
        }

        var store = stores.Open(request.BackupDirectory);
        var entries = await BackupCatalog.ScanAsync(store, settings.Database, ct);
        var complete = entries.Where(e => e.IsComplete).ToList();
        var newest = complete.FirstOrDefault();
        return new DatabaseStatus(settings.Database, size, migration, problem,
            newest, newest is null ? null : store.LocationOf(newest.ArchiveName!),
            complete.Count, complete.Sum(e => e.Manifest!.TotalSizeBytes), await store.FreeBytesAsync(ct), store.Location,
            complete.Where(e => e.Manifest!.Verification is not null).OrderByDescending(e => e.Manifest!.Verification!.At).FirstOrDefault(),
            entries.Count(e => !e.IsComplete));
    }
}

public sealed record StatusRequest(ConnectionSettings Connection, string BackupDirectory);

/// <summary>A database and its backups at a glance.</summary>
public sealed record DatabaseStatus(string Database, long? SizeBytes, string? MigrationVersion, string? ServerProblem,
    CatalogEntry? NewestBackup, string? NewestBackupPath, int BackupCount, long BackupBytes, long? FreeBytes, string Location,
    CatalogEntry? NewestVerified, int IncompleteCount);
