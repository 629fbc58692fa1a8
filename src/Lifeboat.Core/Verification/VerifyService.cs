using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using Lifeboat.Core.Backup;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Restore;
using Lifeboat.Core.Storage;
using Npgsql;

namespace Lifeboat.Core.Verification;

/// <summary>
/// Proves backups: files and checksums, archive readable to its end, and with --deep a real restore into a scratch
/// database compared with the manifest (the seed's monthly "test restore", automated). The verdict goes into the manifest.
/// </summary>
public sealed class VerifyService(IPasswordPrompt? passwordPrompt, TimeProvider clock)
{
    public async Task<IReadOnlyList<VerifyResult>> RunAsync(VerifyRequest request, Action<string>? onPhase, CancellationToken ct)
    {
        // A --file path elsewhere makes its own folder the store, as restore does.
        var folder = request.Selection == VerifySelection.File && BackupFilePath.OutsideFolder(request.File!, request.BackupDirectory) is { } own
            ? own : request.BackupDirectory;
        var store = new LocalFolderStore(folder);
        store.EnsureReadable();
        var entries = Select(store, request);
        var tools = new ToolLocator(request.PgBin);
        ConnectionSettings? settings = null;
        if (request.Deep)
            settings = await PostgresConnector.AuthenticateAsync(
                (request.Connection ?? throw new ArgumentException("deep verify needs a connection")).WithDatabase(request.MaintenanceDatabase), passwordPrompt, ct);

        var results = new List<VerifyResult>();
        foreach (var entry in entries)
        {
            onPhase?.Invoke($"verifying {entry.Stem}");
            var result = await VerifyOneAsync(store, entry, request, settings, tools, onPhase, ct);
            results.Add(result);
            if (entry.Manifest is not null)
                await RecordAsync(store, entry, result, ct);
        }
        return results;
    }

    private static List<CatalogEntry> Select(LocalFolderStore store, VerifyRequest request)
    {
        var all = BackupCatalog.Scan(store, request.Database);
        switch (request.Selection)
        {
            case VerifySelection.File:
                var parsed = BackupNaming.ParseUserGiven(Path.GetFileName(request.File!));
                var match = all.FirstOrDefault(e => parsed is not null && e.Stem == parsed.Stem)
                    ?? throw new LifeboatException($"unable to verify '{request.File}': no such backup in '{store.Root}'", "run `lifeboat list`", ExitCodes.Failure);
                return [match];
            case VerifySelection.Latest:
                var latest = all.FirstOrDefault(e => e.IsComplete)
                    ?? throw new LifeboatException($"unable to verify: no complete backup in '{store.Root}'{(request.Database is null ? "" : $" for '{request.Database}'")}",
                        "check --backup-dir and --dbname", ExitCodes.Integrity);
                return [latest];
            default:
                if (all.Count == 0)
                    throw new LifeboatException($"unable to verify: no backups in '{store.Root}'", "check --backup-dir", ExitCodes.Integrity);
                return all.Where(e => e.State != EntryState.Partial).ToList();
        }
    }

    private async Task<VerifyResult> VerifyOneAsync(LocalFolderStore store, CatalogEntry entry, VerifyRequest request, ConnectionSettings? settings,
        ToolLocator tools, Action<string>? onPhase, CancellationToken ct)
    {
        if (entry.Manifest is not { } manifest)
            return new VerifyResult(entry.Stem, false, request.Deep, [$"{entry.Stem}: {BackupSelector.Describe(entry.State)}"], "incomplete");

        var problems = (await IntegrityCheck.FindProblemsAsync(store, manifest, ct)).Select(p => $"{entry.Stem}: {p}").ToList();
        if (problems.Count == 0 && await ArchiveReadability.FindProblemAsync(store.PathOf(manifest.Archive.Name), manifest, tools, ct) is { } unreadable)
            problems.Add($"{entry.Stem}: {unreadable}");
        if (problems.Count > 0 || !request.Deep)
            return new VerifyResult(entry.Stem, problems.Count == 0, false, problems,
                problems.Count == 0 ? "files, checksums and archive readable" : "failed: " + string.Join("; ", problems));

        var deep = await DeepAsync(store, entry, manifest, request, settings!, tools, onPhase, ct);
        problems.AddRange(deep.Select(p => $"{entry.Stem}: {p}"));
        return new VerifyResult(entry.Stem, problems.Count == 0, true, problems,
            problems.Count == 0 ? "restored into a scratch database: tables, row counts and migration version match" + (request.RunCommand is null ? "" : "; --run passed")
                : "failed: " + string.Join("; ", deep));
    }

    private async Task<IReadOnlyList<string>> DeepAsync(LocalFolderStore store, CatalogEntry entry, BackupManifest manifest, VerifyRequest request,
        ConnectionSettings settings, ToolLocator tools, Action<string>? onPhase, CancellationToken ct)
    {
        await using var maintenance = await PostgresConnector.OpenAsync(settings, ct);
        var facts = await new CatalogReader(maintenance).ServerFactsAsync(ct);
        var scratch = RestoreService.ScratchName(manifest.Database, "lifeboat_verify", clock.GetUtcNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
        // Roles the server lacks must not fail a proof of the data: restore without ownership then.
        var rolesMissing = (await Preflight.MissingRolesAsync(maintenance, manifest, ct)).Count > 0;
        await ExecAsync(maintenance, $"CREATE DATABASE {Sql.Ident(scratch)} TEMPLATE template0 ENCODING {Sql.Literal(manifest.DatabaseProperties?.Encoding ?? "UTF8")}", ct);
        try
        {
            onPhase?.Invoke($"restoring into scratch database {scratch}");
            Preflight.CheckVersions(manifest, facts.Version);
            await Preflight.CheckExtensionsAsync(maintenance, manifest, facts.Version, ct);
            await new ArchiveLoader(settings, null).LoadAsync(store.PathOf(manifest.Archive.Name), manifest, scratch,
                new LoadOptions(Math.Max(1, request.Jobs), rolesMissing, rolesMissing), tools, facts.Version.Major, ct);
            var outcome = await RestoredDatabaseCheck.CompareAsync(settings.WithDatabase(scratch), manifest, Math.Max(1, request.Jobs), ct);
            var problems = outcome.Problems.ToList();
            if (request.RunCommand is { } command)
            {
                onPhase?.Invoke($"running: {command}");
                var exit = await RunUserCommandAsync(command, settings, scratch, ct);
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
        finally
        {
            await ExecAsync(maintenance, $"DROP DATABASE IF EXISTS {Sql.Ident(scratch)} WITH (FORCE)", CancellationToken.None);
        }
    }

    /// <summary>The user's own test command (the seed's `pytest tests/test_models/ -v`) against the scratch database; its output passes through.</summary>
    private static async Task<int> RunUserCommandAsync(string command, ConnectionSettings settings, string database, CancellationToken ct)
    {
        var (shell, flag) = OperatingSystem.IsWindows() ? ("cmd.exe", "/c") : ("/bin/sh", "-c");
        var result = await Cli.Wrap(shell).WithArguments([flag, command])
            .WithEnvironmentVariables(settings.ChildEnvironment(database))
            .WithStandardOutputPipe(PipeTarget.ToStream(Console.OpenStandardOutput()))
            .WithStandardErrorPipe(PipeTarget.ToStream(Console.OpenStandardError()))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        return result.ExitCode;
    }

    /// <summary>Writes the verdict into the manifest (atomically: a reader sees the old or the new manifest).</summary>
    private async Task RecordAsync(LocalFolderStore store, CatalogEntry entry, VerifyResult result, CancellationToken ct)
    {
        var updated = entry.Manifest! with { Verification = new VerificationRecord(result.Passed, clock.GetLocalNow(), result.Deep, result.Summary) };
        // Rotation may have deleted the backup while it was being verified: writing its manifest again would bring
        // back a manifest without its archive.
        if (!store.Exists(entry.Stem + BackupNaming.ManifestExtension) || !store.Exists(entry.Manifest!.Archive.Name))
            return;
        try
        {
            await store.WriteAtomicallyAsync(entry.Stem + BackupNaming.ManifestExtension, ManifestSerializer.ToUtf8(updated), ct, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only backup folder can still be verified; the verdict is printed, not recorded.
        }
    }

    private static async Task ExecAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
