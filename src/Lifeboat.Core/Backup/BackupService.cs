using System.Diagnostics;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Logging;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Retention;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Backup;

/// <summary>
/// dump → compress → hash → write, inside one exported snapshot so that the row counts in the manifest describe
/// exactly the data in the archive; sidecars next; the manifest last, as the commit marker; then rotation.
/// </summary>
public sealed partial class BackupService(IPasswordPrompt? passwordPrompt, TimeProvider clock)
{
    public async Task<BackupResult> RunAsync(BackupRequest request, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        var store = new LocalFolderStore(request.BackupDirectory);
        store.EnsureWritable();
        // Every step before pg_dump starts adds to the backup's time: the versions of the pg_dump programs are read
        // while we log in.
        var tools = new ToolLocator(request.PgBin);
        var discovery = tools.DiscoverAsync("pg_dump", ct);
        var (settings, opened) = await PostgresConnector.ConnectAsync(request.Connection, passwordPrompt, ct);
        await using var connection = opened;
        var database = settings.Database;

        using var folderLock = BackupLock.Acquire(store, database);
        store.RemoveStalePartials(database);

        var catalog = new CatalogReader(connection, inTransaction: true);
        var facts = await catalog.ServerFactsAsync(ct);
        await discovery;
        var pgDump = await tools.FindAsync("pg_dump", facts.Version.Major, ct);
        SpaceCheck.Ensure(store.FreeBytes(), SpaceCheck.EstimateBytes(facts.TableDataBytes, request.Compression), store.Root);

        var startedAt = await UniqueStartAsync(store, database, request.UtcNames, ct);
        var stem = BackupNaming.Stem(database, request.UtcNames ? startedAt.ToUniversalTime() : startedAt.ToLocalTime());
        var stopwatch = Stopwatch.StartNew();

        await using var log = OperationLog.Create(store, stem + BackupNaming.LogExtension, settings.Password);
        log.Info($"backup of '{database}' on {settings.Host}:{settings.Port} as '{settings.User}' (server {facts.VersionText}, {pgDump})");
        log.Info($"format {request.Format}, compression {request.Compression}, folder {store.Root}");
        var manifestWritten = false;
        try
        {
            var run = new Run(request, settings, store, log, pgDump, progress);
            var manifest = await DumpInSnapshotAsync(run, connection, catalog, facts, stem, startedAt, stopwatch, ct);
            log.Info($"done in {Units.Duration(stopwatch.Elapsed)}: {Units.Bytes(manifest.Archive.SizeBytes)}, {manifest.TableCount} tables, migration {manifest.Migration?.Version ?? "none"}");
            await log.FinishAsync();
            await store.WriteAtomicallyAsync(stem + BackupNaming.ManifestExtension, ManifestSerializer.ToUtf8(manifest), CancellationToken.None);
            store.FlushEntries();
            manifestWritten = true;

            var pruned = request.Prune ? Prune(store, database, request.Retention, log) : [];
            return new BackupResult(manifest, store.PathOf(manifest.Archive.Name), store.PathOf(stem + BackupNaming.ManifestExtension), pruned);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.LockNotAvailable)
        {
            var locked = LockedError(database, e);
            log.Error(locked.OneLine);
            await log.FinishAsync();
            throw locked;
        }
        catch (OperationCanceledException)
        {
            log.Error("cancelled; partial files removed");
            await log.FinishAsync();
            throw;
        }
        catch (Exception e) when (DiskFull.Is(e))
        {
            log.Error("the disk is full; partial files removed");
            await log.FinishAsync();
            throw DiskFull.Error("write backup", store.PathOf(stem), e);
        }
        catch (LifeboatException e)
        {
            log.Error(e.OneLine);
            await log.FinishAsync();
            throw;
        }
        finally
        {
            if (!manifestWritten)
                RemoveFilesWithoutManifest(store, stem);
        }
    }

    private sealed record Run(BackupRequest Request, ConnectionSettings Settings, LocalFolderStore Store, OperationLog Log, PgTool PgDump, IProgress<BackupProgress>? Progress);

    /// <summary>Two backups in one second would share a name: wait for the next second rather than change the seed's naming.</summary>
    private async Task<DateTimeOffset> UniqueStartAsync(LocalFolderStore store, string database, bool utc, CancellationToken ct)
    {
        while (true)
        {
            var now = clock.GetLocalNow();
            var stem = BackupNaming.Stem(database, utc ? now.ToUniversalTime() : now);
            if (!store.List().Any(f => f.Name.StartsWith(stem + ".", StringComparison.Ordinal)))
                return now;
            await Task.Delay(1000 - now.Millisecond + 5, ct);
        }
    }

    /// <summary>Rotation after a backup that is already complete: a failure here is a warning, not a failed backup.</summary>
    private IReadOnlyList<string> Prune(LocalFolderStore store, string database, RetentionPolicy policy, OperationLog log)
    {
        try
        {
            var plan = RetentionApplier.PlanFor(store, database, policy, clock.GetLocalNow());
            return RetentionApplier.Apply(store, plan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warn($"rotation failed: {e.Message}; the backup itself is complete");
            return [];
        }
    }

    /// <summary>
    /// Files of this run that already have their final name but no manifest (a failure or Ctrl-C between the renames
    /// and the manifest) are not a backup: remove them. The log of the failed run stays.
    /// </summary>
    private static void RemoveFilesWithoutManifest(LocalFolderStore store, string stem)
    {
        if (store.Exists(stem + BackupNaming.ManifestExtension))
            return;
        foreach (var file in store.List().Where(f => f.Name.StartsWith(stem + ".", StringComparison.Ordinal)
                     && f.Name != stem + BackupNaming.LogExtension && !f.Name.EndsWith(BackupNaming.PartialSuffix, StringComparison.Ordinal)))
        {
            try { file.Delete(); }
            catch (IOException) { }
        }
    }
}
