using System.Diagnostics;
using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Logging;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Reporting;
using Lifeboat.Core.Retention;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Backup;

/// <summary>
/// dump → count rows → compress → hash → store (<see cref="Pipeline.ArchivePipeline"/>), inside one exported snapshot so
/// that the row counts in the manifest describe exactly the data in the archive; sidecars next; the manifest last, as
/// the commit marker; then rotation, whose deletions and failures go into the log.
/// </summary>
public sealed partial class BackupService(IBackupStores stores, IPasswordPrompt? passwordPrompt, TimeProvider clock)
{
    public Task<BackupResult> RunAsync(BackupRequest request, IProgress<OperationEvent>? progress, CancellationToken ct) =>
        PostgresFailure.TranslateAsync(() => RunCoreAsync(request, progress, ct), "back up", request.Connection.Database);

    private async Task<BackupResult> RunCoreAsync(BackupRequest request, IProgress<OperationEvent>? progress, CancellationToken ct)
    {
        var store = stores.Open(request.BackupDirectory);
        // Every step before pg_dump starts adds to the backup's time: the versions of the pg_dump programs are read
        // while we log in. The folder is made only after the login worked: a failed login leaves nothing behind.
        var tools = new ToolLocator(request.PgBin);
        var discovery = tools.DiscoverAsync("pg_dump", ct);
        var (settings, opened) = await PostgresConnector.ConnectAsync(request.Connection, passwordPrompt, ct);
        await using var connection = opened;
        var database = settings.Database;
        await store.EnsureWritableAsync(ct);

        await using var folderLock = await store.LockAsync(BackupNaming.LockName(database), database, ct);
        await RemoveStalePartialsAsync(store, database, ct);

        var catalog = new CatalogReader(connection, inTransaction: true);
        var facts = await catalog.ServerFactsAsync(ct);
        await discovery;
        var pgDump = await tools.FindAsync("pg_dump", facts.Version.Major, ct);
        SpaceCheck.Ensure(await store.FreeBytesAsync(ct), SpaceCheck.EstimateBytes(facts.TableDataBytes, request.Compression), store.Location);

        var startedAt = await UniqueStartAsync(store, database, request.UtcNames, ct);
        var stem = BackupNaming.Stem(database, request.UtcNames ? startedAt.ToUniversalTime() : startedAt.ToLocalTime());
        var stopwatch = Stopwatch.StartNew();

        await using var log = await OperationLog.CreateAsync(store, stem + BackupNaming.LogExtension, settings.Password, ct);
        log.Info($"backup of '{database}' on {settings.Host}:{settings.Port} as '{settings.User}' (server {facts.VersionText}, {pgDump})");
        log.Info($"format {request.Format}, compression {request.Compression}, store {store.Location}");
        var manifestWritten = false;
        try
        {
            progress?.Report(new StepStarted(Step.Dumping, $"dumping '{database}'"));
            var run = new Run(request, settings, store, log, pgDump, progress);
            var manifest = await DumpInSnapshotAsync(run, catalog, facts, stem, startedAt, stopwatch, ct);
            log.Info($"done in {Units.Duration(stopwatch.Elapsed)}: {Units.Bytes(manifest.Archive.SizeBytes)}, {manifest.TableCount} tables, migration {manifest.Migration?.Version ?? "none"}");
            // The log gets its final name before the manifest that names it; the manifest, written last, commits the backup.
            await log.FinishAsync();
            await BackupCatalog.WriteManifestAsync(store, stem, manifest, CancellationToken.None);
            store.Local?.FlushEntries();
            manifestWritten = true;

            var warnings = new List<string>();
            var pruned = request.Prune ? await PruneAsync(store, stem, database, request.Retention, settings.Password, warnings, progress) : [];
            return new BackupResult(manifest, store.LocationOf(manifest.Archive.Name), store.LocationOf(stem + BackupNaming.ManifestExtension), pruned, warnings);
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
            throw DiskFull.Error("write backup", store.LocationOf(stem), e);
        }
        catch (LifeboatException e)
        {
            log.Error(e.OneLine);
            await log.FinishAsync();
            throw;
        }
        catch (Exception e) when (!manifestWritten)
        {
            // PostgreSQL's own errors and a lost connection are translated above this method (PostgresFailure), which
            // points the user at this log: it must exist.
            log.Error($"{e.GetType().Name}: {e.Message.Split('\n')[0]}");
            await log.FinishAsync();
            throw;
        }
        finally
        {
            if (!manifestWritten)
                await RemoveFilesWithoutManifestAsync(store, stem);
        }
    }

    private sealed record Run(BackupRequest Request, ConnectionSettings Settings, IBackupStore Store, OperationLog Log, PgTool PgDump,
        IProgress<OperationEvent>? Progress);

    /// <summary>Two backups in one second would share a name: wait for the next second rather than change the seed's naming.</summary>
    private async Task<DateTimeOffset> UniqueStartAsync(IBackupStore store, string database, bool utc, CancellationToken ct)
    {
        while (true)
        {
            var now = clock.GetLocalNow();
            var stem = BackupNaming.Stem(database, utc ? now.ToUniversalTime() : now);
            if ((await store.ListAsync(stem + ".", ct)).Count == 0)
                return now;
            await Task.Delay(1000 - now.Millisecond + 5, ct);
        }
    }

    /// <summary>
    /// Rotation after a backup that is already complete: what it deletes is appended to the backup's log, and a failure
    /// is a warning (in the log and to the user), not a failed backup.
    /// </summary>
    private async Task<IReadOnlyList<string>> PruneAsync(IBackupStore store, string stem, string database, RetentionPolicy policy, string? secret,
        List<string> warnings, IProgress<OperationEvent>? progress)
    {
        await using var log = OperationLog.TryAppend(store, stem + BackupNaming.LogExtension, secret);
        try
        {
            progress?.Report(new StepStarted(Step.Rotating, "rotating old backups"));
            var plan = RetentionPlanner.Plan(await BackupCatalog.ScanAsync(store, database, CancellationToken.None), policy, clock.GetLocalNow());
            var deleted = await RetentionApplier.ApplyAsync(store, plan, CancellationToken.None);
            log?.Info(deleted.Count == 0
                ? $"rotation: nothing to delete (older than {plan.Cutoff:yyyy-MM-dd HH:mm} go, the newest {Math.Max(1, policy.KeepLast)} always stay)"
                : $"rotation deleted {deleted.Count} files: {string.Join(", ", deleted)}");
            return deleted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LifeboatException)
        {
            var deleted = e is RetentionApplier.PartlyDoneException partly ? partly.Deleted : [];
            if (deleted.Count > 0)
                log?.Info($"rotation deleted {deleted.Count} files before it failed: {string.Join(", ", deleted)}");
            var warning = $"rotation failed: {(e as LifeboatException)?.OneLine ?? e.Message}; the backup itself is complete";
            log?.Warn(warning);
            warnings.Add(warning);
            progress?.Report(new WarningRaised(warning));
            return deleted;
        }
        finally
        {
            if (log is not null)
                await log.FinishAsync();
        }
    }

    /// <summary>
    /// Removes what runs that died left of this database's backups (called while holding its lock, so no other run is
    /// writing them): *.partial files, and archives or sidecars that got their final name but never a manifest (a run
    /// killed between its renames and the manifest). Logs stay: they tell what happened.
    /// </summary>
    private static async Task RemoveStalePartialsAsync(IBackupStore store, string database, CancellationToken ct)
    {
        var files = (await store.ListAsync(BackupNaming.Prefix(database), ct)).Select(f => f.Name).ToList();
        var manifests = StemsWith(files, f => f.EndsWith(BackupNaming.ManifestExtension, StringComparison.Ordinal));
        // Only stems a lifeboat run wrote: they have a sidecar or a partial file. The seed's scripts wrote plain
        // <db>_backup_<ts>.sql files under the same names, with nothing beside them: those are someone's backups.
        var ours = StemsWith(files, f => f.EndsWith(BackupNaming.PartialSuffix, StringComparison.Ordinal)
            || f.EndsWith(BackupNaming.MigrationsExtension, StringComparison.Ordinal) || f.EndsWith(BackupNaming.RolesExtension, StringComparison.Ordinal));
        foreach (var file in files)
        {
            var parsed = BackupNaming.Parse(file);
            if (parsed?.Database != database)
                continue;
            var partial = file.EndsWith(BackupNaming.PartialSuffix, StringComparison.Ordinal);
            var orphan = !partial && ours.Contains(parsed.Stem) && !manifests.Contains(parsed.Stem) && BackupNaming.IsArchiveOrSidecar(parsed.Extension);
            if (partial || orphan)
                await TryDeleteAsync(store, file);
        }
    }

    private static HashSet<string> StemsWith(IEnumerable<string> files, Func<string, bool> which) =>
        files.Where(which).Select(f => BackupNaming.Parse(f)?.Stem).OfType<string>().ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Files of this run that already have their final name but no manifest (a failure or Ctrl-C between the renames
    /// and the manifest) are not a backup: remove them. The log of the failed run stays.
    /// </summary>
    private static async Task RemoveFilesWithoutManifestAsync(IBackupStore store, string stem)
    {
        var files = await store.ListAsync(stem + ".", CancellationToken.None);
        if (files.Any(f => f.Name == stem + BackupNaming.ManifestExtension))
            return;
        foreach (var file in files.Where(f => f.Name != stem + BackupNaming.LogExtension && !f.Name.EndsWith(BackupNaming.PartialSuffix, StringComparison.Ordinal)))
            await TryDeleteAsync(store, file.Name);
    }

    private static async Task TryDeleteAsync(IBackupStore store, string name)
    {
        try { await store.DeleteAsync(name, CancellationToken.None); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
