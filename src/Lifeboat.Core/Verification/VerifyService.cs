using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Reporting;
using Lifeboat.Core.Staging;
using Lifeboat.Core.Storage;
using Npgsql;

namespace Lifeboat.Core.Verification;

/// <summary>
/// Proves backups: files and checksums, archive readable to its end, and with --deep a real restore into a scratch
/// database compared with the manifest (the seed's monthly "test restore", automated). The verdict goes into the manifest.
/// </summary>
public sealed class VerifyService(IBackupStores stores, IPasswordPrompt? passwordPrompt, TimeProvider clock)
{
    public Task<VerifyReport> RunAsync(VerifyRequest request, IProgress<OperationEvent>? progress, CancellationToken ct) =>
        PostgresFailure.TranslateAsync(() => RunCoreAsync(request, progress, ct), "verify", request.File ?? request.Database ?? request.BackupDirectory);

    private async Task<VerifyReport> RunCoreAsync(VerifyRequest request, IProgress<OperationEvent>? progress, CancellationToken ct)
    {
        // A --file path elsewhere makes its own folder the store, as restore does.
        var location = request.Selection == VerifySelection.File ? Restore.BackupFilePath.FolderOf(request.File!, request.BackupDirectory, "verify") : request.BackupDirectory;
        var store = stores.Open(location);
        await store.EnsureReadableAsync(ct);
        var entries = await SelectAsync(store, request, ct);
        var tools = new ToolLocator(request.PgBin);
        ConnectionSettings? settings = null;
        if (request.Deep)
            settings = await PostgresConnector.AuthenticateAsync(
                (request.Connection ?? throw new ArgumentException("deep verify needs a connection")).WithDatabase(request.MaintenanceDatabase), passwordPrompt, ct);

        var results = new List<VerifyResult>();
        foreach (var entry in entries)
        {
            progress?.Report(new StepStarted(Step.Checking, $"verifying {entry.Stem}"));
            var result = await VerifyOneAsync(store, entry, request, settings, tools, progress, ct);
            results.Add(result);
            if (entry.Manifest is not null)
                await RecordAsync(store, entry, result, ct);
        }
        return new VerifyReport(results);
    }

    private static async Task<List<CatalogEntry>> SelectAsync(IBackupStore store, VerifyRequest request, CancellationToken ct)
    {
        var all = await BackupCatalog.ScanAsync(store, request.Selection == VerifySelection.File ? null : request.Database, ct);
        switch (request.Selection)
        {
            case VerifySelection.File:
                var parsed = BackupNaming.ParseUserGiven(Path.GetFileName(request.File!));
                var match = all.FirstOrDefault(e => parsed is not null && e.Stem == parsed.Stem)
                    ?? throw Restore.BackupFilePath.NoSuchBackup(request.File!, store.Location, "verify");
                if (match.State == EntryState.NoManifest)
                    throw Restore.BackupFilePath.WithoutManifest(request.File!, "verify");
                return [match];
            case VerifySelection.Latest:
                // As restore --latest: the newest complete backup that is not a safety backup, of the database named,
                // or of each database in the folder when none is (never one database's backup in place of another's).
                var latest = all.Where(e => e.IsComplete && !e.IsSafetyBackup).GroupBy(e => e.Database).Select(g => g.First()).ToList();
                if (latest.Count == 0)
                    throw new LifeboatException($"unable to verify: no complete backup in '{store.Location}'{(request.Database is null ? "" : $" for '{request.Database}'")}",
                        "check --backup-dir and --dbname (or PGDATABASE)", ExitCodes.Integrity);
                return latest;
            default:
                if (all.Count == 0)
                    throw new LifeboatException($"unable to verify: no backups in '{store.Location}'", "check --backup-dir", ExitCodes.Integrity);
                return all.Where(e => e.State != EntryState.Partial).ToList();
        }
    }

    private async Task<VerifyResult> VerifyOneAsync(IBackupStore store, CatalogEntry entry, VerifyRequest request, ConnectionSettings? settings,
        ToolLocator tools, IProgress<OperationEvent>? progress, CancellationToken ct)
    {
        if (entry.Manifest is not { } manifest)
            return new VerifyResult(entry.Stem, false, request.Deep, [$"{entry.Stem}: {entry.Describe()}"], "incomplete");

        var problems = (await IntegrityCheck.FindProblemsAsync(store, manifest, ct)).Select(p => $"{entry.Stem}: {p}").ToList();
        if (problems.Count == 0 && await ArchiveReadability.FindProblemAsync(store, manifest, tools, ct) is { } unreadable)
            problems.Add($"{entry.Stem}: {unreadable}");
        if (problems.Count > 0 || !request.Deep)
            return new VerifyResult(entry.Stem, problems.Count == 0, false, problems,
                problems.Count == 0 ? "files, checksums and archive readable" : "failed: " + string.Join("; ", problems));

        var deep = await DeepAsync(store, manifest, request, settings!, tools, progress, ct);
        problems.AddRange(deep.Select(p => $"{entry.Stem}: {p}"));
        return new VerifyResult(entry.Stem, problems.Count == 0, true, problems,
            problems.Count == 0 ? "restored into a scratch database: tables, row counts and migration version match" + (request.RunCommand is null ? "" : "; --run passed")
                : "failed: " + string.Join("; ", deep));
    }

    /// <summary>The same staged load and comparison a restore makes, into a scratch database that is always dropped.</summary>
    private async Task<IReadOnlyList<string>> DeepAsync(IBackupStore store, BackupManifest manifest, VerifyRequest request,
        ConnectionSettings settings, ToolLocator tools, IProgress<OperationEvent>? progress, CancellationToken ct)
    {
        await using var maintenance = await PostgresConnector.OpenAsync(settings, ct);
        var facts = await new CatalogReader(maintenance).ServerFactsAsync(ct);
        try
        {
            // Everything that can refuse the backup, before anything is created.
            await Preflight.CheckAllAsync(maintenance, manifest, facts.Version, tools, ct);
            // Roles the server lacks must not fail a proof of the data: restore without ownership then.
            var rolesMissing = (await Preflight.MissingRolesAsync(maintenance, manifest, ct)).Count > 0;
            await using var scratch = await StagingDatabase.CreateAsync(maintenance, manifest.Database, StagingKind.Verify, manifest.DatabaseProperties, clock,
                m => progress?.Report(new StepStarted(Step.Checking, m)), ct);
            progress?.Report(new StepStarted(Step.Loading, $"restoring into scratch database {scratch.Name}"));
            await new ArchiveLoader(settings, null).LoadAsync(store, manifest, scratch.Name,
                new LoadOptions(Math.Max(1, request.Jobs), rolesMissing, rolesMissing), tools, facts.Version.Major, ct);
            progress?.Report(new StepStarted(Step.Verifying, "comparing the scratch database with the manifest"));
            var outcome = await scratch.CompareAsync(settings, manifest, Math.Max(1, request.Jobs), ct);
            var problems = outcome.Problems.ToList();
            if (request.RunCommand is { } command)
            {
                progress?.Report(new StepStarted(Step.RunningCommand, $"running: {command}"));
                var exit = await UserCommand.RunAsync(command, settings.ChildEnvironment(scratch.Name), request.RunCommandOutputToStderr, ct);
                if (exit != 0)
                    problems.Add($"--run command exited with {exit}");
            }
            return problems;
        }
        catch (LifeboatException e)
        {
            return [e.Message];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NpgsqlException)
        {
            return [$"the scratch restore failed: {e.Message}"];
        }
    }

    /// <summary>Writes the verdict into the manifest (atomically: a reader sees the old or the new manifest).</summary>
    private async Task RecordAsync(IBackupStore store, CatalogEntry entry, VerifyResult result, CancellationToken ct)
    {
        var updated = entry.Manifest! with { Verification = new VerificationRecord(result.Passed, clock.GetLocalNow(), result.Deep, result.Summary) };
        // Rotation may have deleted the backup while it was being verified: writing its manifest again would bring
        // back a manifest without its archive.
        if (await store.InfoAsync(entry.Stem + BackupNaming.ManifestExtension, ct) is null || await store.InfoAsync(entry.Manifest!.Archive.Name, ct) is null)
            return;
        try
        {
            await BackupCatalog.WriteManifestAsync(store, entry.Stem, updated, ct, replace: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only backup folder can still be verified; the verdict is printed, not recorded.
        }
    }
}
