using System.Diagnostics;
using System.Globalization;
using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Logging;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Reporting;
using Lifeboat.Core.Staging;
using Lifeboat.Core.Storage;
using Lifeboat.Core.Verification;
using Npgsql;

namespace Lifeboat.Core.Restore;

/// <summary>
/// pick → check → restore into a staging database → verify against the manifest → analyze → safety backup → swap.
/// Until the swap, the target is never touched; any failure (or Ctrl-C) drops the staging database.
/// </summary>
public sealed partial class RestoreService(IBackupStores stores, IPasswordPrompt? passwordPrompt, IRestorePrompts prompts, TimeProvider clock)
{
    public Task<RestoreResult> RunAsync(RestoreRequest request, IProgress<OperationEvent>? progress, CancellationToken ct) =>
        PostgresFailure.TranslateAsync(() => RunCoreAsync(request, progress, ct), "restore", request.Target);

    private async Task<RestoreResult> RunCoreAsync(RestoreRequest request, IProgress<OperationEvent>? progress, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var (store, entry) = await PickAsync(request, ct);
        var manifest = entry.Manifest!;
        void OnPhase(Step step, string message) => progress?.Report(new StepStarted(step, message));
        OnPhase(Step.Checking, $"checking {entry.Stem}");
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

        await Preflight.CheckAllAsync(maintenance, manifest, facts.Version, tools, ct);
        var vacuumdb = request.Analyze ? await StatisticsAnalyzer.FindAsync(tools, facts.Version.Major, ct) : null;
        var missingRoles = await Preflight.MissingRolesAsync(maintenance, manifest, ct);
        if (missingRoles.Count > 0 && !request.CreateRoles && !(request.NoOwner && request.NoPrivileges))
            throw Preflight.MissingRolesError(missingRoles);
        await RestorePermissions.EnsureAllowedAsync(maintenance, settings, store, manifest, new RestorePermissions.Target(target, request.Template, request.NoOwner),
            facts.Version, ct);
        await Preflight.CheckServerDiskAsync(maintenance, settings, manifest, ct);

        var summary = await SummarizeAsync(maintenance, settings, target, entry, request.SafetyBackup, ct);
        if (summary.TargetExists && !await prompts.ConfirmAsync(summary, ct))
            throw new LifeboatException($"restore of '{target}' cancelled at the confirmation: nothing was changed", null, ExitCodes.Failure);

        // Work starts only now, logged in, with every check passed and the replacement confirmed: a wrong port or
        // password, a refusal or no terminal to confirm at leaves nothing behind. The decompressed copy for
        // pg_restore --jobs is made while the roles, the staging database and the schema are created (it only reads
        // the backup); it is removed when anything fails, and after the restore.
        using var copyCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var copyTask = new ArchiveLoader(settings, null)
            .PrepareAsync(store, manifest, Math.Max(1, request.Jobs), m => OnPhase(Step.Decompressing, m), copyCancel.Token);
        await using var copy = new CopyOwner(copyTask, copyCancel);

        await using var log = OperationLog.TryAppend(store, entry.Stem + BackupNaming.RestoreLogExtension, settings.Password);
        log?.Info($"restore of {entry.Stem} into '{target}' on {settings.Host}:{settings.Port} as '{settings.User}' (server {facts.VersionText})");
        var run = new Run(request, settings, maintenance, store, entry, manifest, tools, facts, log, OnPhase) { Vacuumdb = vacuumdb };
        var stagingCreated = false;
        try
        {
            var (createdRoles, withPasswords) = missingRoles.Count > 0 && request.CreateRoles ? await CreateRolesAsync(run, missingRoles, ct) : ([], []);
            run.Step = "creating the staging database";
            await using var staging = await StagingDatabase.CreateAsync(maintenance, target, StagingKind.Restore, manifest.DatabaseProperties, clock,
                m => log?.Info(m), ct, request.Template);
            stagingCreated = true;
            var (outcome, analyzed) = await RestoreIntoStagingAsync(run, staging, copy.GetAsync(), ct);
            string? safety = null;
            if (summary.TargetExists && request.SafetyBackup)
                safety = await SafetyBackupAsync(run, target, ct);

            run.Step = "the swap";
            OnPhase(Step.Swapping, "swapping in the restored database");
            var old = OldName(target);
            var ended = await new DatabaseSwapper(maintenance, request.SwapTimeout, m => log?.Info(m)).SwapAsync(staging.Name, target, old, summary.TargetExists, ct);
            // Swapped: from here on nothing may fail the restore or be cancelled; problems are warnings.
            staging.Keep();
            stagingCreated = false;
            var keptOld = summary.TargetExists ? await FinishOldAsync(run, old) : null;

            log?.Info($"restored '{target}' in {Units.Duration(stopwatch.Elapsed)}: {outcome.Tables} tables, {outcome.Rows} rows, migration {outcome.MigrationVersion ?? "none"}, verification passed, " +
                (analyzed is null ? "not analyzed (--no-analyze)" : $"analyzed in {Units.Duration(analyzed.Duration)}"));
            return new RestoreResult(target, entry.Stem, stopwatch.Elapsed, outcome.Tables, outcome.Rows, outcome.MigrationVersion, keptOld, safety,
                createdRoles, run.Warnings, log?.Location)
            {
                RolesWithPasswords = withPasswords,
                EndedSessions = ended,
                Analyzed = analyzed,
            };
        }
        catch (Exception e)
        {
            log?.Error(e is OperationCanceledException ? "cancelled" : (e as LifeboatException)?.OneLine ?? e.Message);
            log?.Info(stagingCreated ? $"the staging database was dropped; '{target}' was not changed" : $"'{target}' was not changed");
            throw NameTheLog(NameTheStep(e, run.Step, target), log?.Location);
        }
        finally
        {
            if (log is not null)
                await log.FinishAsync();
        }
    }

    /// <summary>A failure that points to the restore log names it by its path, so the user can open it.</summary>
    private static Exception NameTheLog(Exception e, string? logLocation) =>
        e is LifeboatException { Hint: { } hint } le && logLocation is not null && hint.Contains(RestoreLogPhrase, StringComparison.Ordinal)
            ? new LifeboatException(le.Message, hint.Replace(RestoreLogPhrase, $"{RestoreLogPhrase} {logLocation}", StringComparison.Ordinal), le.ExitCode, le)
            : e;

    /// <summary>How a hint points to the restore log (see <see cref="NameTheLog"/>).</summary>
    internal const string RestoreLogPhrase = "the restore log";

    /// <summary>The name the replaced database has between the swap and its drop (or for good, with --keep-old).</summary>
    private string OldName(string target)
    {
        var suffix = $"__lifeboat_old_{clock.GetUtcNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}";
        return StagingName.Shorten(target, 63 - suffix.Length) + suffix;
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

    private sealed record Run(RestoreRequest Request, ConnectionSettings Settings, NpgsqlConnection Maintenance, IBackupStore Store,
        CatalogEntry Entry, BackupManifest Manifest, ToolLocator Tools, ServerFacts Facts, OperationLog? Log, Action<Step, string> OnPhase)
    {
        public List<string> Warnings { get; } = [];
        /// <summary>The vacuumdb that analyzes the staging database, found before any work; null with --no-analyze.</summary>
        public PgTool? Vacuumdb { get; init; }
        /// <summary>The step under way, named in errors that would not say it themselves.</summary>
        public string Step { get; set; } = "creating the roles";
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

    /// <summary>
    /// Resolves the choice to a complete backup and the store it is in: a path outside --backup-dir makes its own folder
    /// the store; no choice at all asks the person at the terminal to pick one.
    /// </summary>
    private async Task<(IBackupStore, CatalogEntry)> PickAsync(RestoreRequest request, CancellationToken ct)
    {
        var location = request.Choice.File is { } file ? BackupFilePath.FolderOf(file, request.BackupDirectory, "restore") : request.BackupDirectory;
        var store = stores.Open(location);
        await store.EnsureReadableAsync(ct);
        var database = request.Connection.Database;
        var entries = await BackupCatalog.ScanAsync(store, request.Choice.File is null ? database : null, ct);
        if (!request.Choice.IsEmpty)
            return (store, BackupSelector.Select(entries, database, request.Choice, store.Location, request.TargetDatabase is not null));
        var complete = entries.Where(e => e.IsComplete).ToList();
        if (complete.Count == 0)
            throw new LifeboatException($"unable to restore '{database}': no complete backup of it in '{store.Location}'",
                "check --dbname and --backup-dir", ExitCodes.Failure);
        return (store, await prompts.PickAsync(complete, ct));
    }
}
