using Lifeboat.Core.Backup;
using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Reporting;
using Lifeboat.Core.Staging;
using Lifeboat.Core.Verification;
using Npgsql;

namespace Lifeboat.Core.Restore;

public sealed partial class RestoreService
{
    /// <summary>Loads, verifies and analyzes the staging database and gives it the database's properties; the analyze is null with --no-analyze.</summary>
    private static async Task<(VerificationOutcome, AnalyzeOutcome?)> RestoreIntoStagingAsync(Run run, StagingDatabase staging, Task<DecompressedCopy?> copy, CancellationToken ct)
    {
        run.Step = "loading the backup into the staging database";
        run.OnPhase(Step.Loading, $"restoring into {staging.Name}");
        var loader = new ArchiveLoader(run.Settings, run.Log);
        var options = new LoadOptions(Math.Max(1, run.Request.Jobs), run.Request.NoOwner, run.Request.NoPrivileges)
        {
            OnPhase = message => { run.Log?.Info(message); run.OnPhase(Step.Loading, message); },
            PendingCopy = copy,
            FromTemplateExtensions = run.Request.Template != RestorePermissions.DefaultTemplate,
        };
        run.Warnings.AddRange(await loader.LoadAsync(run.Store, run.Manifest, staging.Name, options, run.Tools, run.Facts.Version.Major, ct));

        run.Step = "verifying the staging database";
        run.OnPhase(Step.Verifying, "verifying the restored database against the manifest");
        var outcome = await staging.CompareAsync(run.Settings, run.Manifest, options.Jobs, ct);
        if (!outcome.Passed)
            throw new LifeboatException($"unable to restore: the restored database does not match the backup's manifest: {string.Join("; ", outcome.Problems.Take(5))}",
                "the target was not changed; verify the backup (`lifeboat verify --deep`) or choose another", ExitCodes.Integrity);
        run.Log?.Info($"verified: {outcome.Tables} tables, {outcome.Rows} rows, migration {outcome.MigrationVersion ?? "none"}");

        var analyzed = await AnalyzeAsync(run, staging, options.Jobs, ct);

        if (run.Manifest.DatabaseProperties is { } p)
        {
            run.Step = "applying the database's properties (owner, settings, comment, privileges)";
            var existing = await Preflight.ExistingRolesAsync(run.Maintenance, ct);
            await DatabasePropertiesApplier.ApplyAsync(run.Maintenance, p, staging.Name, run.Request.NoOwner, run.Request.NoPrivileges, existing, ct);
            run.Log?.Info($"database properties applied (owner {p.Owner}, {p.Settings.Count} settings, {p.RoleSettings.Count} per-role settings, comment, privileges)");
        }
        return (outcome, analyzed);
    }

    /// <summary>
    /// Optimizer statistics for the staging database, which pg_restore does not bring (pg_statistic is not dumped).
    /// Before the database's properties are applied: the restoring user still owns the database then, and a database's
    /// owner may analyze every table in it, whoever owns the table. (A default_statistics_target set on the database is
    /// not in effect yet; the per-column targets, which the dump carries, are.)
    /// </summary>
    private static async Task<AnalyzeOutcome?> AnalyzeAsync(Run run, StagingDatabase staging, int jobs, CancellationToken ct)
    {
        if (run.Vacuumdb is not { } vacuumdb)
        {
            run.Log?.Info("not analyzed (--no-analyze): the restored database has no optimizer statistics until ANALYZE or autovacuum");
            return null;
        }
        run.Step = "analyzing the staging database";
        run.OnPhase(Step.Analyzing, $"analyzing the restored database (vacuumdb --analyze-only, {StatisticsAnalyzer.Jobs(jobs)})");
        var target = run.Request.Target;
        var took = await new StatisticsAnalyzer(run.Settings, run.Log).AnalyzeAsync(vacuumdb, staging.Name, jobs,
            $"'{target}' was not changed and the staging database was dropped; {RestoreLogPhrase} has vacuumdb's output; or restore with --no-analyze (then run ANALYZE yourself)",
            ct);
        return new AnalyzeOutcome(took, jobs);
    }

    /// <summary>A backup of the database about to be replaced, into --backup-dir (also when the backup restored came from elsewhere).</summary>
    private async Task<string> SafetyBackupAsync(Run run, string target, CancellationToken ct)
    {
        run.Step = SafetyBackupStep;
        run.OnPhase(Step.SafetyBackup, $"taking a safety backup of the current '{target}'");
        var backup = new BackupService(stores, passwordPrompt, clock);
        var request = new BackupRequest(run.Settings.WithDatabase(target), run.Request.BackupDirectory)
        {
            Label = CatalogEntry.SafetyLabel,
            Prune = false,
            PgBin = run.Request.PgBin,
        };
        var result = await backup.RunAsync(request, null, ct);
        run.Log?.Info($"safety backup of the current '{target}': {result.ArchivePath}");
        return result.ArchivePath;
    }

    private static async Task<string?> FinishOldAsync(Run run, string old)
    {
        try
        {
            if (run.Request.KeepOld)
            {
                await run.Maintenance.ExecuteAsync($"ALTER DATABASE {Sql.Ident(old)} ALLOW_CONNECTIONS true", CancellationToken.None);
                run.Log?.Info($"kept the previous database as {old}");
                return old;
            }
            await run.Maintenance.ExecuteAsync($"DROP DATABASE {Sql.Ident(old)} WITH (FORCE)", CancellationToken.None);
            run.Log?.Info($"dropped the previous database {old}");
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            run.Warnings.Add($"the restore is in place, but the previous database is still there as {old}: {e.Message}");
            return old;
        }
    }

    private static async Task<RestoreSummary> SummarizeAsync(NpgsqlConnection maintenance, ConnectionSettings settings, string target, CatalogEntry entry,
        bool safetyBackup, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_database_size(oid) FROM pg_database WHERE datname = $1", maintenance);
        cmd.Parameters.Add(new NpgsqlParameter { Value = target });
        var size = await cmd.ExecuteScalarAsync(ct) as long?;
        string? migration = null;
        if (size is not null)
        {
            try
            {
                await using var connection = await PostgresConnector.OpenAsync(settings.WithDatabase(target), ct);
                var catalog = new CatalogReader(connection);
                migration = (await MigrationTables.ReadVersionAsync(catalog, MigrationTables.Find(await catalog.UserTablesAsync(ct)), ct))?.Version;
            }
            catch (LifeboatException)
            {
                migration = null; // cannot connect to it (no CONNECT right, connections blocked): the summary says unknown
            }
        }
        var m = entry.Manifest!;
        return new RestoreSummary(target, size is not null, size, migration, entry.Stem, m.StartedAt, m.Archive.SizeBytes, m.Migration?.Version, m.Label)
        {
            SafetyBackup = safetyBackup,
            LastVerification = m.Verification,
        };
    }

    /// <summary>
    /// Runs the backup's .roles.sql through psql (read from the store, on its stdin): only the missing roles are created.
    /// Returns them, and those of them whose saved password hash the script set (a backup made with --include-role-passwords).
    /// </summary>
    private static async Task<(IReadOnlyList<string> Created, IReadOnlyList<string> WithPasswords)> CreateRolesAsync(Run run, IReadOnlyList<string> missing,
        CancellationToken ct)
    {
        var rolesFile = run.Manifest.Sidecar(FileKind.Roles)
            ?? throw new LifeboatException("unable to create roles: this backup has no .roles.sql", "create them by hand, or use --no-owner --no-privileges", ExitCodes.Failure);
        var psql = await run.Tools.FindAsync("psql", run.Facts.Version.Major, ct);
        string script;
        await using (var file = await run.Store.OpenReadAsync(rolesFile.Name, ct))
        using (var reader = new StreamReader(file, System.Text.Encoding.UTF8))
            script = await reader.ReadToEndAsync(ct);
        var result = await ToolRunner.RunAsync(psql, ["--no-password", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], run.Settings, null, ct,
            stdin: CliWrap.PipeSource.FromString(script, System.Text.Encoding.UTF8));
        run.Log?.ToolOutput("psql", result.StandardError);
        if (!result.Succeeded)
            throw result.ToException("creating roles needs CREATEROLE (or superuser); nothing else was changed");
        var hashed = RolesScript.RolesWithPasswords(script);
        var withPasswords = missing.Where(hashed.Contains).ToList();
        var without = missing.Where(r => !hashed.Contains(r)).ToList();
        run.Log?.Info($"created roles: {string.Join(", ", missing)}" +
            (withPasswords.Count > 0 ? $"; password restored: {string.Join(", ", withPasswords)}" : "") +
            (without.Count > 0 ? $"; no password yet: {string.Join(", ", without)}" : ""));
        return (missing, withPasswords);
    }
}
