using System.Diagnostics;
using System.Text;
using CliWrap;
using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Pipeline;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Reporting;
using Lifeboat.Core.Storage;
using Npgsql;

namespace Lifeboat.Core.Backup;

public sealed partial class BackupService
{
    private async Task<BackupManifest> DumpInSnapshotAsync(Run run, CatalogReader catalog, ServerFacts facts,
        string stem, DateTimeOffset startedAt, Stopwatch stopwatch, CancellationToken ct)
    {
        // REPEATABLE READ + an exported snapshot: pg_dump and our row counts see exactly the same data.
        // (lock_timeout is set on the session: a migration still in its transaction must not make us wait forever.)
        await catalog.ExecuteAsync("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", ct);
        var snapshot = (await catalog.ScalarStringAsync("SELECT pg_export_snapshot()", ct))!;
        run.Log.Info($"snapshot {snapshot} exported");

        var archiveName = stem + BackupNaming.ArchiveExtension(run.Request.Format, run.Request.Compression, PgDumpCompresses(run));
        await using var archive = await run.Store.CreateAsync(archiveName, ct);
        await using var migrationsFile = await run.Store.CreateAsync(stem + BackupNaming.MigrationsExtension, ct);
        // pg_dump starts at once; everything else happens while it streams, in the same snapshot: the catalog
        // reads and row counts on the exporting connection, the migration history through a second, small pg_dump.
        var dumpTask = DumpArchiveAsync(run, snapshot, archive, ct);
        var migrationsTask = Task.FromResult<ManifestFile?>(null);
        SnapshotFacts inSnapshot;
        try
        {
            inSnapshot = await ReadSnapshotFactsAsync(run, catalog, countRows: !CountsFromArchive(run), ct, tables =>
                migrationsTask = WriteMigrationsAsync(run, snapshot, MigrationTables.Find(tables), migrationsFile, ct)!);
        }
        catch
        {
            await IgnoreFailure(dumpTask);
            await IgnoreFailure(migrationsTask);
            throw;
        }
        DumpedArchive dumped;
        try
        {
            dumped = await dumpTask;
        }
        finally
        {
            await IgnoreFailure(migrationsTask);
        }
        var (tables, extensions, migration, properties, roles, passwords, counted) = inSnapshot;
        var archived = dumped.Rows?.Tables;
        if (dumped.Rows?.Unreadable is { } unreadable)
            run.Log.Info($"row counts: {unreadable}; counted with SQL instead");
        var counts = counted ?? await RowsOfAsync(catalog, tables, archived, ct);
        run.Log.Info($"counted rows of {counts.Count} tables{(counted is null && archived is not null ? " in the archive" : "")}: {counts.Sum(t => t.Rows)} rows");

        var sidecars = new List<ManifestFile> { (await migrationsTask)! };
        await using var rolesFile = await run.Store.CreateAsync(stem + BackupNaming.RolesExtension, ct);
        sidecars.Add(await WriteTextAsync(rolesFile, RolesScript.Build(roles, passwords), FileKind.Roles, ct));
        run.Log.Info($"roles named by the database: {string.Join(", ", roles.Select(r => r.Name))}{(passwords.Count > 0 ? " (with password hashes)" : "")}");

        await catalog.ExecuteAsync("COMMIT", ct);

        // Everything is complete and flushed: give the files their final names; the manifest follows last.
        // Not cancellable: once the renames begin they all happen (or the files are removed again, see RunAsync).
        await archive.CommitAsync(CancellationToken.None);
        await migrationsFile.CommitAsync(CancellationToken.None);
        await rolesFile.CommitAsync(CancellationToken.None);

        var finishedAt = startedAt + stopwatch.Elapsed;
        return new BackupManifest
        {
            LifeboatVersion = LifeboatInfo.Version,
            Database = facts.Database,
            Label = run.Request.Label,
            ServerVersion = facts.VersionText,
            PgDumpVersion = run.PgDump.Version.ToString(),
            StartedAt = startedAt,
            FinishedAt = finishedAt,
            DurationSeconds = Math.Round(stopwatch.Elapsed.TotalSeconds, 3),
            Format = run.Request.Format,
            Compression = run.Request.Compression,
            PgDumpCompressed = PgDumpCompresses(run),
            FormatVersion = BackupManifest.FormatVersionFor(PgDumpCompresses(run)),
            Archive = dumped.File,
            Sidecars = sidecars,
            LogFile = stem + BackupNaming.LogExtension,
            DatabaseSizeBytes = facts.DatabaseSizeBytes,
            TableCount = tables.Count,
            Tables = counts,
            RowCounts = RowCounting.Own,
            Extensions = extensions,
            Migration = migration,
            DatabaseProperties = properties,
            Roles = roles.Select(r => new RoleInfo(r.Name, r.Login, r.Superuser, r.MemberOf)).ToList(),
            RolePasswordsIncluded = passwords.Count > 0,
        };
    }

    private sealed record SnapshotFacts(IReadOnlyList<(string Schema, string Name)> Tables, IReadOnlyList<ExtensionInfo> Extensions, MigrationInfo? Migration,
        DatabaseProperties Properties, IReadOnlyList<RoleDefinition> Roles, IReadOnlyDictionary<string, string> Passwords, IReadOnlyList<TableRows>? Counts);

    /// <param name="countRows">Count with SQL in the snapshot, while pg_dump streams; otherwise the archive's rows are counted as it passes through us.</param>
    private static async Task<SnapshotFacts> ReadSnapshotFactsAsync(Run run, CatalogReader catalog, bool countRows, CancellationToken ct,
        Action<IReadOnlyList<(string Schema, string Name)>> onTables)
    {
        var tables = await catalog.UserTablesAsync(ct);
        onTables(tables);
        var extensions = await catalog.ExtensionsAsync(ct);
        var migration = await MigrationTables.ReadVersionAsync(catalog, MigrationTables.Find(tables), ct);
        var properties = await catalog.DatabasePropertiesAsync(ct);
        var roles = await catalog.ReferencedRolesAsync(ct);
        var passwords = run.Request.IncludeRolePasswords ? await ReadPasswordsAsync(catalog, roles, ct) : new Dictionary<string, string>();
        var counts = countRows ? await catalog.CountRowsAsync(tables, ct) : null;
        return new SnapshotFacts(tables, extensions, migration, properties, roles, passwords, counts);
    }

    /// <summary>
    /// Each table's rows as the archive holds them. A table without a data block there (a partitioned table, whose rows
    /// are its partitions'), or every table when the archive could not be read, is counted with SQL, still in the snapshot.
    /// </summary>
    private static async Task<IReadOnlyList<TableRows>> RowsOfAsync(CatalogReader catalog, IReadOnlyList<(string Schema, string Name)> tables,
        IReadOnlyDictionary<(string Schema, string Table), long>? archived, CancellationToken ct)
    {
        var counted = (await catalog.CountRowsAsync(tables.Where(t => archived is null || !archived.ContainsKey(t)), ct))
            .ToDictionary(t => (t.Schema, t.Name));
        return tables.Select(t => archived is not null && archived.TryGetValue(t, out var rows) ? new TableRows(t.Schema, t.Name, rows) : counted[t]).ToList();
    }

    private static async Task<IReadOnlyDictionary<string, string>> ReadPasswordsAsync(CatalogReader catalog, IReadOnlyList<RoleDefinition> roles, CancellationToken ct)
    {
        try
        {
            return await catalog.RolePasswordHashesAsync(roles.Select(r => r.Name), ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new LifeboatException("unable to read role passwords: only a superuser may read pg_authid",
                "run the backup as a superuser, or leave out --include-role-passwords", ExitCodes.Failure, e);
        }
    }

    /// <summary>The rows of each table, as read from the archive while it streamed by (or why they could not be); null when not tried (see <see cref="ArchiveRowCounter"/>).</summary>
    private sealed record DumpedArchive(ManifestFile File, ArchiveRows? Rows);

    /// <summary>The custom format without pg_dump's own compression passes through us, so its rows are counted on the way.</summary>
    private static bool CountsFromArchive(Run run) =>
        run.Request.Format == BackupFormat.Custom && run.Request.Compression != Compression.Gzip && !PgDumpCompresses(run);

    /// <summary>pg_dump 16 and newer compresses a custom archive with zstd itself (see <see cref="ArchivePipeline.PgDumpCompressesZstd"/>).</summary>
    private static bool PgDumpCompresses(Run run) =>
        ArchivePipeline.PgDumpCompressesZstd(run.Request.Format, run.Request.Compression, run.PgDump.Version.Major);

    private static async Task<DumpedArchive> DumpArchiveAsync(Run run, string snapshot, IPendingFile archive, CancellationToken ct)
    {
        var request = run.Request;
        var args = new List<string> { "--verbose", "--no-password", $"--snapshot={snapshot}", LockWaitTimeout(run) };
        if (request.Format == BackupFormat.Custom)
        {
            args.Add("--format=custom");
            // gzip, and zstd from pg_dump 16: pg_dump's own; otherwise pg_dump writes uncompressed and we compress (and count rows).
            args.Add(request.Compression == Compression.Gzip ? "--compress=6"
                : PgDumpCompresses(run) ? $"--compress=zstd:{CompressionStreams.ZstdLevel}"
                : "--compress=0");
        }
        else
        {
            args.AddRange(["--format=plain", "--clean", "--if-exists"]);
        }

        var pipeline = ArchivePipeline.For(request.Format, request.Compression, PgDumpCompresses(run));
        var countRows = CountsFromArchive(run);
        var bytes = run.Progress is null ? null : new Progress<long>(b => run.Progress.Report(new BytesWritten(b)));
        WrittenArchive? written = null;
        var result = await DumpIntoAsync(run, args, async (dump, token) =>
            written = await pipeline.WriteAsync(dump, run.Store, archive, countRows, bytes, token), ct);
        EnsureDumped(run, result);
        if (PgDumpCompresses(run) && run.Store.Local is not null)
            written = await WriteDataOffsetsAsync(run, archive, written!, ct);
        run.Log.Info($"archive {archive.Name}: {written!.Bytes} bytes, sha256 {written.Sha256}{(written.Rows?.Tables is null ? "" : "; rows counted as the dump streamed through")}");
        return new DumpedArchive(new ManifestFile(archive.Name, written.Bytes, written.Sha256, FileKind.Archive), written.Rows);
    }

    /// <summary>
    /// pg_dump writing to a pipe cannot go back to its table of contents to note where each table's data starts; written to
    /// a file it does, and pg_restore --jobs then seeks straight to each block. The archive pg_dump compressed itself is
    /// stored as it came, so its offsets are written here, in place (fixed-size fields), and the file is hashed again:
    /// it is then byte for byte what `pg_dump -f` writes. (About 0.1 s per 100 MB, from the page cache.)
    /// </summary>
    private static async Task<WrittenArchive> WriteDataOffsetsAsync(Run run, IPendingFile archive, WrittenArchive written, CancellationToken ct)
    {
        var path = await archive.HandOverAsync();
        int patched;
        try
        {
            patched = await Task.Run(() => ArchiveOffsets.Patch(path), ct);
        }
        catch (Exception e) when (e is IOException or InvalidDataException) // EndOfStreamException is an IOException
        {
            // Patch writes only after reading everything it needs: the file is still exactly what pg_dump wrote.
            run.Log.Info($"data offsets: {e.Message}; left as pg_dump wrote it");
            return written;
        }
        if (patched <= 0)
        {
            run.Log.Info(patched < 0 ? "data offsets: not an archive Lifeboat reads; left as pg_dump wrote it" : "data offsets: none to write");
            return written;
        }
        var (bytes, sha256) = await FileHash.Sha256WhileWrittenAsync(path, Task.CompletedTask, ct);
        run.Log.Info($"data offsets written for {patched} entries");
        return written with { Bytes = bytes, Sha256 = sha256 };
    }

    /// <summary>
    /// pg_dump, its output read by <paramref name="consume"/>. A reader that fails (a full disk, zstd gone) stops pg_dump,
    /// which would otherwise wait for it forever, and its failure is the one reported.
    /// </summary>
    private static async Task<ToolResult> DumpIntoAsync(Run run, List<string> args, Func<Stream, CancellationToken, Task> consume, CancellationToken ct)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Exception? readerFailure = null;
        var stdout = PipeTarget.Create(async (dump, _) =>
        {
            try
            {
                await consume(dump, both.Token);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                readerFailure = e;
                await both.CancelAsync();
            }
        });
        ToolResult? result = null;
        try
        {
            result = await ToolRunner.RunAsync(run.PgDump, args, run.Settings, null, both.Token, stdout, extraEnvironment: Watched(run),
                stderrLine: line => run.Log.ToolOutput("pg_dump", line));
        }
        catch (OperationCanceledException) when (readerFailure is not null)
        {
        }
        if (readerFailure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(readerFailure);
        return result!;
    }

    /// <summary>pg_dump's lines are in the log already (as they came); a failure says why in one line, a lock wait naming who holds the lock.</summary>
    private static void EnsureDumped(Run run, ToolResult result)
    {
        if (!result.Succeeded && IsLockWait(result))
            throw LockedError(run.Settings.Database, run.Watch, logLocation: run.Log.Location);
        if (!result.Succeeded)
            throw result.ToException($"see {run.Log.Location} for pg_dump's full output");
    }

    /// <summary>pg_dump gave up on a lock: --lock-wait-timeout ends its LOCK TABLE with a statement timeout (older pg_dumps: "could not obtain lock").</summary>
    private static bool IsLockWait(ToolResult result) =>
        result.StandardError.Contains("could not obtain lock", StringComparison.Ordinal)
        || (result.StandardError.Contains("statement timeout", StringComparison.Ordinal) && result.StandardError.Contains("LOCK TABLE", StringComparison.Ordinal));

    /// <summary>pg_dump's own bound on its first table locks, in milliseconds (a value without unit would be taken as such too).</summary>
    private static string LockWaitTimeout(Run run) => $"--lock-wait-timeout={(long)run.Request.LockTimeout.TotalMilliseconds}ms";

    /// <summary>The application_name that puts a pg_dump of this run under the lock watch.</summary>
    private static Dictionary<string, string?> Watched(Run run) => new() { ["PGAPPNAME"] = run.Watch.ApplicationName };

    /// <summary>The migration history tables on their own (schema and rows as INSERTs), as the seed saved Alembic's.</summary>
    private static async Task<ManifestFile> WriteMigrationsAsync(Run run, string snapshot, IReadOnlyList<(string Tool, string Schema, string Table)> tables,
        IPendingFile file, CancellationToken ct)
    {
        if (tables.Count == 0)
            return await WriteTextAsync(file, "-- no migration history table was found (alembic, flyway, efcore, django, rails, liquibase)\n", FileKind.Migrations, ct);

        var args = new List<string> { "--no-password", $"--snapshot={snapshot}", LockWaitTimeout(run), "--format=plain", "--inserts", "--no-owner", "--no-privileges" };
        foreach (var (_, schema, table) in tables)
            args.Add($"--table={Sql.Ident(schema)}.{Sql.Ident(table)}");
        await using var hashing = new HashingStream(file.Stream);
        var result = await ToolRunner.RunAsync(run.PgDump, args, run.Settings, null, ct, PipeTarget.ToStream(hashing), extraEnvironment: Watched(run),
            stderrLine: line => run.Log.ToolOutput("pg_dump (migration history)", line));
        if (!result.Succeeded && IsLockWait(result))
            throw LockedError(run.Settings.Database, run.Watch, logLocation: run.Log.Location);
        if (!result.Succeeded)
            throw result.ToException($"see {run.Log.Location} for pg_dump's full output");
        run.Log.Info($"migration history saved: {string.Join(", ", tables.Select(t => $"{t.Tool} ({t.Schema}.{t.Table})"))}");
        return new ManifestFile(file.Name, hashing.BytesWritten, hashing.HashHex(), FileKind.Migrations);
    }

    private static async Task<ManifestFile> WriteTextAsync(IPendingFile file, string text, FileKind kind, CancellationToken ct)
    {
        await using var hashing = new HashingStream(file.Stream);
        await hashing.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
        return new ManifestFile(file.Name, hashing.BytesWritten, hashing.HashHex(), kind);
    }

    /// <summary>
    /// The one line of a lock wait that outlasted --lock-timeout: who holds the lock (pid, user, since when), as the
    /// watch last saw it, and what to do.
    /// </summary>
    internal static LifeboatException LockedError(string database, LockWaitWatch watch, Exception? inner = null, string? logLocation = null)
    {
        var blockers = watch.Blockers;
        var who = blockers.Count == 0
            ? "another session (pg_stat_activity shows which)"
            : $"another session: {string.Join("; ", blockers.Select(b => b.Describe()))}";
        var end = blockers.Where(b => b.Pid != 0).Select(b => b.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var ending = end.Count == 0 ? "finish or cancel that session" : $"finish or cancel that session (SELECT pg_terminate_backend({string.Join("), pg_terminate_backend(", end)}) ends it)";
        return new LifeboatException(
            $"unable to back up '{database}': waited {Units.Duration(watch.Timeout)} for a lock held by {who} (a migration still in its transaction?)",
            $"{ending} and run again, or wait longer with --lock-timeout; a restore can skip its safety backup with --no-safety-backup" +
            (logLocation is null ? "" : $"; the log: {logLocation}"),
            ExitCodes.Failure, inner);
    }

    private static async Task IgnoreFailure(Task task)
    {
        try { await task; }
        catch (Exception) { /* the dump's own failure is the one to report */ }
    }
}
