using Lifeboat.Core.Backup;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Logging;
using Lifeboat.Core.Storage;
using Npgsql;

namespace Lifeboat.Core.Restore;

public sealed partial class RestoreService
{
    private static async Task<VerificationOutcome> RestoreIntoStagingAsync(Run run, string staging, Task<DecompressedCopy?> copy, CancellationToken ct)
    {
        var p = run.Manifest.DatabaseProperties;
        var create = $"CREATE DATABASE {Sql.Ident(staging)} TEMPLATE template0 ENCODING {Sql.Literal(p?.Encoding ?? "UTF8")}";
        if (p?.Collate is not null && p.Ctype is not null)
            create += $" LC_COLLATE {Sql.Literal(p.Collate)} LC_CTYPE {Sql.Literal(p.Ctype)}";
        await ExecAsync(run.Maintenance, create, ct);
        run.StagingCreated = true;
        run.Log?.Info($"created staging database {staging}");

        run.Step = "loading the backup into the staging database";
        run.OnPhase?.Invoke($"restoring into {staging}");
        var loader = new ArchiveLoader(run.Settings, run.Log);
        var options = new LoadOptions(Math.Max(1, run.Request.Jobs), run.Request.NoOwner, run.Request.NoPrivileges)
        {
            OnPhase = message => { run.Log?.Info(message); run.OnPhase?.Invoke(message); },
            PendingCopy = copy,
        };
        var warnings = await loader.LoadAsync(run.Store.PathOf(run.Manifest.Archive.Name), run.Manifest, staging, options, run.Tools, run.Facts.Version.Major, ct);
        run.Warnings.AddRange(warnings);

        run.Step = "verifying the staging database";
        run.OnPhase?.Invoke("verifying the restored database against the manifest");
        var outcome = await RestoredDatabaseCheck.CompareAsync(run.Settings.WithDatabase(staging), run.Manifest, options.Jobs, ct);
        if (!outcome.Passed)
            throw new LifeboatException($"unable to restore: the restored database does not match the backup's manifest: {string.Join("; ", outcome.Problems.Take(5))}",
                "the target was not changed; verify the backup (`lifeboat verify --deep`) or choose another", ExitCodes.Integrity);
        run.Log?.Info($"verified: {outcome.Tables} tables, {outcome.Rows} rows, migration {outcome.MigrationVersion ?? "none"}");

        if (p is not null)
        {
            run.Step = "applying the database's properties (owner, settings, comment, privileges)";
            var existing = await Preflight.ExistingRolesAsync(run.Maintenance, ct);
            await DatabasePropertiesApplier.ApplyAsync(run.Maintenance, p, staging, run.Request.NoOwner, run.Request.NoPrivileges, existing, ct);
            run.Log?.Info($"database properties applied (owner {p.Owner}, {p.Settings.Count} settings, {p.RoleSettings.Count} per-role settings, comment, privileges)");
        }
        return outcome;
    }

    private async Task<string> SafetyBackupAsync(Run run, string target, CancellationToken ct)
    {
        run.Step = SafetyBackupStep;
        run.OnPhase?.Invoke($"taking a safety backup of the current '{target}'");
        var backup = new BackupService(passwordPrompt, clock);
        var request = new BackupRequest(run.Settings.WithDatabase(target), run.Store.Root)
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
                await ExecAsync(run.Maintenance, $"ALTER DATABASE {Sql.Ident(old)} ALLOW_CONNECTIONS true", CancellationToken.None);
                run.Log?.Info($"kept the previous database as {old}");
                return old;
            }
            await ExecAsync(run.Maintenance, $"DROP DATABASE {Sql.Ident(old)} WITH (FORCE)", CancellationToken.None);
            run.Log?.Info($"dropped the previous database {old}");
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            run.Warnings.Add($"the restore is in place, but the previous database is still there as {old}: {e.Message}");
            return old;
        }
    }

    private async Task<RestoreSummary> SummarizeAsync(NpgsqlConnection maintenance, ConnectionSettings settings, string target, CatalogEntry entry,
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

    private static async Task<IReadOnlyList<string>> CreateRolesAsync(LocalFolderStore store, BackupManifest manifest, ConnectionSettings settings,
        ToolLocator tools, int serverMajor, IReadOnlyList<string> missing, OperationLog? log, CancellationToken ct)
    {
        var rolesFile = manifest.Sidecars.FirstOrDefault(s => s.Kind == "roles")
            ?? throw new LifeboatException("unable to create roles: this backup has no .roles.sql", "create them by hand, or use --no-owner --no-privileges", ExitCodes.Failure);
        var psql = await tools.FindAsync("psql", serverMajor, ct);
        var result = await ToolRunner.RunAsync(psql, ["--no-password", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", store.PathOf(rolesFile.Name)], settings, null, ct);
        log?.ToolOutput("psql", result.StandardError);
        if (!result.Succeeded)
            throw result.ToException("creating roles needs CREATEROLE (or superuser); nothing else was changed");
        log?.Info($"created roles: {string.Join(", ", missing)}{(manifest.RolePasswordsIncluded ? " (with their saved passwords)" : " (no password yet)")}");
        return missing;
    }

    private static async Task DropIfExistsAsync(NpgsqlConnection maintenance, string database)
    {
        try
        {
            await ExecAsync(maintenance, $"DROP DATABASE IF EXISTS {Sql.Ident(database)} WITH (FORCE)", CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection itself is gone: the staging database has a name no one uses and `lifeboat` reports it.
        }
    }

    private static async Task ExecAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
