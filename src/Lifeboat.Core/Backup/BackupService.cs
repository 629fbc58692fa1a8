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

    private async Task<BackupResult> RunCoreAsync(BackupRequest request, IProgress<OperationEvent>? progress, CancellationToken cancel)
    {
        var store = stores.Open(request.BackupDirectory);
        // Every step before pg_dump starts adds to the backup's time: the versions of the pg_dump programs are read
        // while we log in. The folder is made only after the login worked: a failed login leaves nothing behind.
        var tools = new ToolLocator(request.PgBin);
        var discovery = tools.DiscoverAsync("pg_dump", cancel);
        var (settings, opened) = await PostgresConnector.ConnectAsync(request.Connection, passwordPrompt, cancel);
        await using var connection = opened;
        var database = settings.Database;
        await store.EnsureWritableAsync(cancel);

        await using var folderLock = await store.LockAsync(BackupNaming.LockName(database), database, cancel);
        var killedLogs = await RemoveStalePartialsAsync(store, database, folderLock.TakenOverFrom, cancel);
        var takeover = folderLock.TakenOverFrom is { } deadPid
            ? $"a previous run (pid {deadPid}) died; its lock was taken over{(killedLogs.Count > 0 ? $" and its log kept as {string.Join(", ", killedLogs)}" : "")}"
            : null;
        if (takeover is not null)
            progress?.Report(new WarningRaised(takeover));

        // Every wait for another session's lock is bounded, ours and pg_dump's; the watch names that session.
        await using var watch = LockWaitWatch.Start(settings, connection.ProcessID, request.LockTimeout, cancel);
        var ct = watch.Token;
        var catalog = new CatalogReader(connection, inTransaction: true);
        ServerFacts facts;
        try
        {
            await catalog.ExecuteAsync($"SET lock_timeout = '{(long)request.LockTimeout.TotalMilliseconds}ms'", ct);
            facts = await catalog.ServerFactsAsync(ct);
        }
        catch (Exception e) when (IsLockTimeout(e, watch))
        {
            throw LockedError(database, watch, e);
        }
        await discovery;
        var pgDump = await tools.FindAsync("pg_dump", facts.Version.Major, ct);
        SpaceCheck.Ensure(await store.FreeBytesAsync(ct), SpaceCheck.EstimateBytes(facts.TableDataBytes, request.Compression), store.Location);

        var startedAt = await UniqueStartAsync(store, database, request.UtcNames, ct);
        var stem = BackupNaming.Stem(database, request.UtcNames ? startedAt.ToUniversalTime() : startedAt.ToLocalTime());
        var stopwatch = Stopwatch.StartNew();

        await using var log = await OperationLog.CreateAsync(store, stem + BackupNaming.LogExtension, settings.Password, ct);
        log.Info($"backup of '{database}' on {settings.Host}:{settings.Port} as '{settings.User}' (server {facts.VersionText}, {pgDump})");
        log.Info($"format {request.Format}, compression {request.Compression}, store {store.Location}, lock timeout {Units.Duration(request.LockTimeout)}");
        if (takeover is not null)
            log.Warn(takeover);
        else if (killedLogs.Count > 0)
            log.Info($"kept the log of a run that died as {string.Join(", ", killedLogs)}");
        var manifestWritten = false;
        try
        {
            progress?.Report(new StepStarted(Step.Dumping, $"dumping '{database}'"));
            var run = new Run(request, settings, store, log, pgDump, watch, progress);
            var manifest = await DumpInSnapshotAsync(run, catalog, facts, stem, startedAt, stopwatch, ct);
            // The dump is complete: from here on nothing waits for a lock (and the watch must not stop what follows).
            await watch.DisposeAsync();
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
        catch (Exception e) when (!manifestWritten && IsLockTimeout(e, watch))
        {
            var locked = LockedError(database, watch, e, log.Location);
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
        catch (Npgsql.PostgresException e) when (!manifestWritten)
        {
            var refused = PostgresFailure.Describe(e, "back up", database, log.Location);
            log.Error(refused.OneLine);
            await log.FinishAsync();
            throw refused;
        }
        catch (Exception e) when (!manifestWritten)
        {
            // A lost connection is translated above this method (PostgresFailure); anything unexpected is reported
            // with this log, which must exist: the CLI names it (see LogLocationKey).
            log.Error($"{e.GetType().Name}: {e.Message.Split('\n')[0]}");
            await log.FinishAsync();
            e.Data[LifeboatException.LogLocationKey] = log.Location;
            throw;
        }
        finally
        {
            if (!manifestWritten)
                await RemoveFilesWithoutManifestAsync(store, stem);
        }
    }

    /// <summary>A wait for another session's lock that outlasted the timeout: PostgreSQL's lock_timeout on our connection, or the watch's.</summary>
    private static bool IsLockTimeout(Exception e, LockWaitWatch watch) =>
        watch.Fired || e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.LockNotAvailable } || e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.LockNotAvailable };

    private sealed record Run(BackupRequest Request, ConnectionSettings Settings, IBackupStore Store, OperationLog Log, PgTool PgDump,
        LockWaitWatch Watch, IProgress<OperationEvent>? Progress);

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
    /// killed between its renames and the manifest). Logs stay: they tell what happened. The log a killed run was
    /// writing gets the name of a failed run's log (see <see cref="OperationLog.KeepUnfinishedAsync"/>); returns where.
    /// </summary>
    private async Task<IReadOnlyList<string>> RemoveStalePartialsAsync(IBackupStore store, string database, int? deadPid, CancellationToken ct)
    {
        var files = (await store.ListAsync(BackupNaming.Prefix(database), ct)).Select(f => f.Name).ToList();
        var manifests = StemsWith(files, f => f.EndsWith(BackupNaming.ManifestExtension, StringComparison.Ordinal));
        // Only stems a lifeboat run wrote: they have a sidecar or a partial file. The seed's scripts wrote plain
        // <db>_backup_<ts>.sql files under the same names, with nothing beside them: those are someone's backups.
        var ours = StemsWith(files, f => f.EndsWith(BackupNaming.PartialSuffix, StringComparison.Ordinal)
            || f.EndsWith(BackupNaming.MigrationsExtension, StringComparison.Ordinal) || f.EndsWith(BackupNaming.RolesExtension, StringComparison.Ordinal));
        var kept = new List<string>();
        var who = deadPid is { } pid ? $"pid {pid}" : "a run";
        foreach (var file in files)
        {
            var parsed = BackupNaming.Parse(file);
            if (parsed?.Database != database)
                continue;
            var partial = file.EndsWith(BackupNaming.PartialSuffix, StringComparison.Ordinal);
            if (partial && parsed.Extension == BackupNaming.LogExtension + BackupNaming.PartialSuffix)
            {
                // A log is never deleted: renamed as the killed run's log, or (when that cannot be done) left as it is.
                if (await OperationLog.KeepUnfinishedAsync(store, file,
                        $"the run that wrote this log ({who}) died before it finished (killed, or the machine stopped): nothing of it was kept; " +
                        $"found by the run of {clock.GetLocalNow():yyyy-MM-dd HH:mm:ss} (pid {Environment.ProcessId})") is { } location)
                    kept.Add(location);
                continue;
            }
            var orphan = !partial && ours.Contains(parsed.Stem) && !manifests.Contains(parsed.Stem) && BackupNaming.IsArchiveOrSidecar(parsed.Extension);
            if (partial || orphan)
                await TryDeleteAsync(store, file);
        }
        return kept;
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
