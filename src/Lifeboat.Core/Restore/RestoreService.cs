using System.Diagnostics;
using System.Globalization;
using Lifeboat.Core.Backup;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Logging;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Storage;
using Lifeboat.Core.Verification;
using Npgsql;

namespace Lifeboat.Core.Restore;

/// <summary>
/// pick → check → restore into a staging database → verify against the manifest → safety backup → swap.
/// Until the swap, the target is never touched; any failure (or Ctrl-C) drops the staging database.
/// </summary>
public sealed partial class RestoreService(IPasswordPrompt? passwordPrompt, IRestoreConfirmation confirmation, TimeProvider clock)
{
    public async Task<RestoreResult> RunAsync(RestoreRequest request, Action<string>? onPhase, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var (store, entry) = Pick(request);
        var manifest = entry.Manifest!;
        onPhase?.Invoke($"checking {entry.Stem}");
        // The decompressed copy for pg_restore --jobs is made while the checksums and the server are checked (it only
        // reads the backup), and while the schema is restored; it is removed when anything fails, and after the restore.
        using var copyCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var copyTask = new ArchiveLoader(request.Connection, null)
            .PrepareAsync(store.PathOf(manifest.Archive.Name), manifest, Math.Max(1, request.Jobs), onPhase, copyCancel.Token);
        await using var copy = new CopyOwner(copyTask, copyCancel);
        // The checksums are read while we log in (one login, kept as the maintenance connection); a damaged backup is
        // still the first thing reported, and before anyone is asked for a password.
        var intact = IntegrityCheck.EnsureIntactAsync(store, manifest, entry.Stem, ct);
        if (passwordPrompt is not null)
            await intact;
        var connecting = PostgresConnector.ConnectAsync(request.Connection.WithDatabase(request.MaintenanceDatabase), passwordPrompt, ct);
        try
        {
            await intact;
        }
        catch
        {
            try { await (await connecting).Connection.DisposeAsync(); }
            catch (Exception) { /* the damaged backup is the error to report */ }
            throw;
        }
        var (settings, opened) = await connecting;
        await using var maintenance = opened;
        var facts = await new CatalogReader(maintenance).ServerFactsAsync(ct);
        var tools = new ToolLocator(request.PgBin);
        var target = request.Target;

        Preflight.CheckVersions(manifest, facts.Version);
        await tools.FindAsync(manifest.Format == "plain" ? "psql" : "pg_restore", facts.Version.Major, ct);
        await Preflight.CheckExtensionsAsync(maintenance, manifest, facts.Version, ct);
        var missingRoles = await Preflight.MissingRolesAsync(maintenance, manifest, ct);
        if (missingRoles.Count > 0 && !request.CreateRoles && !(request.NoOwner && request.NoPrivileges))
            throw Preflight.MissingRolesError(missingRoles);
        await Preflight.CheckServerDiskAsync(maintenance, settings, manifest, ct);

        var summary = await SummarizeAsync(maintenance, settings, target, entry, request.SafetyBackup, ct);
        if (summary.TargetExists && !confirmation.Confirm(summary))
            throw new LifeboatException($"restore of '{target}' cancelled at the confirmation: nothing was changed", null, ExitCodes.Failure);

        await using var log = OpenLog(store, entry.Stem, settings.Password);
        log?.Info($"restore of {entry.Stem} into '{target}' on {settings.Host}:{settings.Port} as '{settings.User}' (server {facts.VersionText})");
        var createdRoles = missingRoles.Count > 0 && request.CreateRoles
            ? await CreateRolesAsync(store, manifest, settings, tools, facts.Version.Major, missingRoles, log, ct)
            : [];

        var stamp = clock.GetUtcNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var staging = ScratchName(target, "lifeboat", stamp);
        var old = ScratchName(target, "lifeboat_old", stamp);
        var run = new Run(request, settings, maintenance, store, entry, manifest, tools, facts, log, onPhase);
        try
        {
            var outcome = await RestoreIntoStagingAsync(run, staging, copy.GetAsync(), ct);
            string? safety = null;
            if (summary.TargetExists && request.SafetyBackup)
                safety = await SafetyBackupAsync(run, target, ct);

            run.Step = "the swap";
            onPhase?.Invoke("swapping in the restored database");
            await new DatabaseSwapper(maintenance, request.SwapTimeout, m => log?.Info(m)).SwapAsync(staging, target, old, summary.TargetExists, ct);
            // Swapped: from here on nothing may fail the restore or be cancelled; problems are warnings.
            run.StagingCreated = false;
            var keptOld = summary.TargetExists ? await FinishOldAsync(run, old) : null;

            log?.Info($"restored '{target}' in {Units.Duration(stopwatch.Elapsed)}: {outcome.Tables} tables, {outcome.Rows} rows, migration {outcome.MigrationVersion ?? "none"}, verification passed");
            return new RestoreResult(target, entry.Stem, stopwatch.Elapsed, outcome.Tables, outcome.Rows, outcome.MigrationVersion, keptOld, safety,
                createdRoles, run.Warnings, log?.FinalPath);
        }
        catch (Exception e)
        {
            log?.Error(e is OperationCanceledException ? "cancelled" : (e as LifeboatException)?.OneLine ?? e.Message);
            if (run.StagingCreated)
            {
                await DropIfExistsAsync(maintenance, staging);
                log?.Info($"staging database {staging} dropped; '{target}' was not changed");
            }
            throw NameTheStep(e, run.Step, target);
        }
        finally
        {
            if (log is not null)
                await log.FinishAsync();
        }
    }

    /// <summary>
    /// A failure of the server or of the safety backup says which step it stopped, so a user knows where to look;
    /// our own errors already say what they are about.
    /// </summary>
    private static Exception NameTheStep(Exception e, string step, string target) => e switch
    {
        NpgsqlException pg => new LifeboatException(
            $"unable to restore '{target}': {step} failed: {(pg as PostgresException)?.MessageText ?? pg.Message.Split('\n')[0]}",
            $"'{target}' was not changed and the staging database was dropped; the restore log has the details",
            pg is PostgresException ? ExitCodes.Failure : ExitCodes.Connection, pg),
        LifeboatException le when step == SafetyBackupStep => new LifeboatException(
            $"unable to restore '{target}': the safety backup of the current database failed: {le.Message}",
            $"{le.Hint ?? "see the message"}; or restore without it (--no-safety-backup); '{target}' was not changed", le.ExitCode, le),
        _ => e,
    };

    private const string SafetyBackupStep = "the safety backup";

    private sealed record Run(RestoreRequest Request, ConnectionSettings Settings, NpgsqlConnection Maintenance, LocalFolderStore Store,
        CatalogEntry Entry, BackupManifest Manifest, ToolLocator Tools, ServerFacts Facts, OperationLog? Log, Action<string>? OnPhase)
    {
        public List<string> Warnings { get; } = [];
        /// <summary>The step under way, named in errors that would not say it themselves.</summary>
        public string Step { get; set; } = "creating the staging database";
        /// <summary>Only a staging database this run created may be dropped (another run may own one of the same name).</summary>
        public bool StagingCreated { get; set; }
    }

    /// <summary>Awaits the copy being made in the background; on dispose stops it if still running and removes it.</summary>
    private sealed class CopyOwner(Task<DecompressedCopy?> task, CancellationTokenSource cancel) : IAsyncDisposable
    {
        public Task<DecompressedCopy?> GetAsync() => task;

        public async ValueTask DisposeAsync()
        {
            await cancel.CancelAsync();
            try
            {
                if (await task is { } copy)
                    await copy.DisposeAsync();
            }
            catch (Exception) { } // its failure (or cancellation) was reported by the step that awaited it, or does not matter
        }
    }

    /// <summary>Resolves the choice to a complete backup; a path outside --backup-dir makes its own folder the store.</summary>
    private static (LocalFolderStore, CatalogEntry) Pick(RestoreRequest request)
    {
        var folder = request.BackupDirectory;
        if (request.Choice.File is { } file && BackupFilePath.OutsideFolder(file, folder) is { } own)
            folder = own;
        var store = new LocalFolderStore(folder);
        store.EnsureReadable();
        var entry = BackupSelector.Select(BackupCatalog.Scan(store), request.Connection.Database, request.Choice, store.Root,
            request.TargetDatabase is not null);
        return (store, entry);
    }

    /// <summary>"&lt;target&gt;__&lt;kind&gt;_&lt;stamp&gt;", shortened to PostgreSQL's 63-byte limit.</summary>
    public static string ScratchName(string target, string kind, string stamp)
    {
        var suffix = $"__{kind}_{stamp}";
        var room = 63 - suffix.Length;
        var prefix = target;
        while (System.Text.Encoding.UTF8.GetByteCount(prefix) > room)
            prefix = prefix[..^1];
        return prefix + suffix;
    }

    private static OperationLog? OpenLog(LocalFolderStore store, string stem, string? secret)
    {
        try { return OperationLog.Append(store.PathOf(stem + BackupNaming.RestoreLogExtension), secret); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; } // a read-only backup folder still restores
    }
}
