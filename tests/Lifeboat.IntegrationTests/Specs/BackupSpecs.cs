using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>`lifeboat backup` on a real server: what lands in the folder, and that it restores with the real tools.</summary>
[Collection("postgres")]
public sealed class BackupSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    [Theory]
    [InlineData("custom", "zstd", "(by major)")] // .dump.zst up to 15; from 16 pg_dump's own zstd, a .dump
    [InlineData("custom", "gzip", ".dump")]
    [InlineData("custom", "none", ".dump")]
    [InlineData("plain", "zstd", ".sql.zst")]
    [InlineData("plain", "gzip", ".sql.gz")]
    [InlineData("plain", "none", ".sql")]
    [Trait("Majors", "all")]
    public async Task I_can_restore_a_backup_of_each_format_and_compression_with_the_real_PostgreSQL_tools(string format, string compress, string extension)
    {
        // Arrange
        var pgDumpCompresses = format == "custom" && compress == "zstd" && Server.Major >= 16;
        if (extension == "(by major)")
            extension = pgDumpCompresses ? ".dump" : ".dump.zst";
        await using var source = await BackupWorkspace.WithFixtureDatabaseAsync(Server, "roundtrip");
        await using var target = await BackupWorkspace.WithEmptyDatabaseAsync(Server, "restored");
        using var scratch = BackupFolder.Create();

        // Act
        var backup = await source.RunBackupAsync("--format", format, "--compress", compress);
        CliAssert.Succeeded(backup);
        // ".sql" alone would also match the .migrations.sql and .roles.sql sidecars: go by the stem.
        var archive = source.Folder.File(Assert.Single(source.Folder.CompleteStems()) + extension);
        Assert.True(File.Exists(archive), $"no {extension} archive in: {string.Join(", ", source.Folder.FileNames())}");
        await RestoreWithRealToolsAsync(archive, extension, target.Database, scratch.Path);

        // Assert
        Assert.Matches(new Regex($"^{Regex.Escape(source.Database)}_backup_\\d{{8}}_\\d{{6}}{Regex.Escape(extension)}$"), Path.GetFileName(archive));
        var manifest = source.Folder.SingleManifest();
        Assert.Equal(Path.GetFileName(archive), (string?)manifest["archive"]!["name"]);
        Assert.Equal(format, (string?)manifest["format"]);
        Assert.Equal(compress, (string?)manifest["compression"]);
        Assert.Equal(pgDumpCompresses, (bool?)manifest["pgDumpCompressed"] ?? false);
        foreach (var table in new[] { "earthquakes", "alerts", "ephemeris_data", "alembic_version" })
            Assert.Equal(await Server.CountRowsAsync(source.Database, "public", table), await Server.CountRowsAsync(target.Database, "public", table));
        const string firstQuake = "SELECT ST_AsText(location) FROM earthquakes ORDER BY id LIMIT 1";
        Assert.Equal(await Server.ScalarAsync<string>(source.Database, firstQuake), await Server.ScalarAsync<string>(target.Database, firstQuake));
        const string allQuakes = "SELECT md5(string_agg(ST_AsText(location), ';' ORDER BY id)) FROM earthquakes";
        Assert.Equal(await Server.ScalarAsync<string>(source.Database, allQuakes), await Server.ScalarAsync<string>(target.Database, allQuakes));
        Assert.Equal("6cdf0b06a3e9", await Server.ScalarAsync<string>(target.Database, "SELECT version_num FROM alembic_version"));
    }

    [Fact]
    public async Task A_backup_is_named_after_the_database_and_the_local_time_and_its_sidecars_share_the_name()
    {
        // Arrange: a time zone far from UTC, so local and UTC names differ.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "named");
        var env = ws.Env;
        env["TZ"] = "Asia/Tokyo";

        // Act
        var before = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9));
        var result = await LifeboatCli.RunAsync(ws.BackupArgs(), env);
        var after = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9));

        // Assert
        CliAssert.Succeeded(result);
        var stem = Assert.Single(ws.Folder.CompleteStems());
        Assert.Equal(
            new[] { ".json", ".dump.zst", ".log", ".migrations.sql", ".roles.sql" }.Select(e => stem + e).Order(StringComparer.Ordinal),
            ws.Folder.FileNames().Where(n => !n.StartsWith('.')));
        var stamp = DateTime.ParseExact(stem[(ws.Database.Length + "_backup_".Length)..], "yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        Assert.InRange(stamp, before.DateTime.AddSeconds(-1), after.DateTime.AddSeconds(1));
    }

    [Fact]
    public async Task With_utc_the_file_name_uses_UTC_time()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "utcnamed");
        var env = ws.Env;
        env["TZ"] = "Asia/Tokyo";

        // Act
        var before = DateTime.UtcNow;
        var result = await LifeboatCli.RunAsync(ws.BackupArgs("--utc"), env);
        var after = DateTime.UtcNow;

        // Assert
        CliAssert.Succeeded(result);
        var stem = Assert.Single(ws.Folder.CompleteStems());
        var stamp = DateTime.ParseExact(stem[(ws.Database.Length + "_backup_".Length)..], "yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        Assert.InRange(stamp, before.AddSeconds(-1), after.AddSeconds(1));
    }

    [Fact]
    public async Task Two_backups_in_a_row_get_different_names()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "twice");

        // Act
        var first = await ws.RunBackupAsync();
        var second = await ws.RunBackupAsync();

        // Assert
        CliAssert.Succeeded(first);
        CliAssert.Succeeded(second);
        Assert.Equal(2, ws.Folder.CompleteStems().Count);
        Assert.Equal(2, ws.Folder.FileNames().Count(n => n.EndsWith(".dump.zst", StringComparison.Ordinal)));
    }

    [Fact]
    [Trait("Majors", "all")]
    public async Task The_manifest_counts_the_same_rows_as_the_database_for_every_table()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithFixtureDatabaseAsync(Server, "counted");

        // Act
        var result = await ws.RunBackupAsync();

        // Assert
        CliAssert.Succeeded(result);
        var manifest = ws.Folder.SingleManifest();
        var tables = manifest["tables"]!.AsArray();
        Assert.Equal(16, (int)manifest["tableCount"]!);
        Assert.Equal(16, tables.Count);
        Assert.Contains(tables, t => (string?)t!["name"] == "earthquakes");
        Assert.Contains(tables, t => (string?)t!["name"] == "alembic_version");
        foreach (var table in tables)
        {
            var (schema, name, rows) = ((string)table!["schema"]!, (string)table["name"]!, (long)table["rows"]!);
            Assert.True(await Server.CountRowsAsync(ws.Database, schema, name) == rows, $"{schema}.{name}: manifest says {rows}");
        }
        // Every installed extension with the version the server reports.
        var installed = await Server.ScalarAsync<string>(ws.Database, "SELECT string_agg(extname || ' ' || extversion, ',' ORDER BY extname) FROM pg_extension");
        Assert.Equal(installed, string.Join(",", manifest["extensions"]!.AsArray()
            .Select(e => $"{(string)e!["name"]!} {(string)e["version"]!}").Order(StringComparer.Ordinal)));
        Assert.Contains(manifest["extensions"]!.AsArray(), e => (string?)e!["name"] == "postgis");
    }

    /// <summary>
    /// Issue 17: from PostgreSQL 16 pg_dump has zstd built in, and compressing in its own process beat the pipe through
    /// the zstd program on 17 (bench/run --major 17). The archive is then stored as pg_dump would write it to a file, data
    /// offsets included, and a restore reads it as it is. Up to 15 the default stays pg_dump -Z0 | zstd.
    /// </summary>
    [Fact]
    [Trait("Majors", "all")]
    public async Task From_16_a_custom_backup_is_compressed_by_pg_dump_with_its_data_offsets_and_restores_without_a_decompressed_copy()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "pgzstd");
        var backup = await ws.BackupAsync();
        var manifest = BackupFolder.ReadManifest(backup.ManifestPath);
        var byPgDump = Server.Major >= 16;

        Assert.Equal("zstd", (string?)manifest["compression"]);
        Assert.Equal(byPgDump, (bool?)manifest["pgDumpCompressed"] ?? false);
        Assert.Equal(byPgDump ? 2 : 1, (int?)manifest["formatVersion"]); // an older Lifeboat asks to be upgraded rather than unzstd it
        Assert.Equal(backup.Stem + (byPgDump ? ".dump" : ".dump.zst"), backup.ArchiveName);
        foreach (var table in new[] { "earthquakes", "ephemeris_data", "alerts" })
        {
            var counted = manifest["tables"]!.AsArray().Single(t => (string?)t!["schema"] == "public" && (string?)t["name"] == table)!["rows"]!.GetValue<long>();
            Assert.Equal(await Server.CountRowsAsync(ws.Database, "public", table), counted);
        }
        if (byPgDump)
        {
            var toc = Lifeboat.Core.Postgres.DumpArchiveToc.Read(Reader(backup.ArchivePath));
            Assert.NotNull(toc);
            Assert.True(toc.Compressed, "pg_dump's own compression is on in the archive's header");
            using (var copy = BackupFolder.Create())
            {
                var path = Path.Combine(copy.Path, "copy.dump");
                File.Copy(backup.ArchivePath, path);
                Assert.Equal(0, Lifeboat.Core.Postgres.ArchiveOffsets.Patch(path)); // every offset is set already
            }
            Assert.Matches(@"data offsets written for \d+ entries", await File.ReadAllTextAsync(Path.Combine(ws.BackupDir, backup.Stem + ".log")));
        }

        var copied = ws.OtherDatabaseName("copy");
        var restore = await ws.RestoreAsync("--latest", "--force", "--target-db", copied);

        CliAssert.Succeeded(restore);
        Assert.Equal(!byPgDump, restore.StdOut.Contains("decompressing to", StringComparison.Ordinal));
        Assert.Equal(await ws.FingerprintAsync(), await ws.FingerprintAsync(copied));
    }

    static Func<byte> Reader(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var position = 0;
        return () => position < bytes.Length ? bytes[position++] : throw new EndOfStreamException();
    }

    [Fact]
    [Trait("Majors", "all")]
    public async Task Row_counts_read_from_the_archive_match_the_tables_even_for_values_that_look_like_line_ends_and_end_markers()
    {
        // Arrange: values with newlines, backslashes and COPY's end marker "\." inside; a table without columns (each of
        // its rows is an empty line in COPY); an empty table; a partitioned table and an inheritance parent, whose own
        // rows (ONLY) are what the archive holds for them.
        await using var ws = await BackupWorkspace.WithEmptyDatabaseAsync(Server, "tricky");
        await ws.ExecuteAsync("""
            CREATE TABLE tricky (id int PRIMARY KEY, body text);
            INSERT INTO tricky VALUES (1, E'line one\nline two'), (2, E'\\.'), (3, E'\\.\n\\.\n\n'), (4, '.'), (5, NULL), (6, E'\r\n\t');
            INSERT INTO tricky SELECT i, repeat(E'x\n', i % 7) FROM generate_series(7, 5000) i;
            CREATE TABLE no_columns ();
            INSERT INTO no_columns SELECT FROM generate_series(1, 42);
            CREATE TABLE empty_table (id int);
            CREATE TABLE measurements (at date NOT NULL, value int) PARTITION BY RANGE (at);
            CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            INSERT INTO measurements SELECT date '2025-06-01' + (i % 400), i FROM generate_series(1, 3000) i;
            CREATE TABLE animals (name text);
            CREATE TABLE dogs (breed text) INHERITS (animals);
            INSERT INTO animals VALUES ('cat'), ('cow');
            INSERT INTO dogs VALUES ('rex', 'collie'), ('fido', 'pug'), ('max', 'lab');
            """);
        var restored = ws.OtherDatabaseName("restored");

        // Act: from 16 the default zstd is pg_dump's own, whose compressed blocks are not counted on the way (the snapshot
        // counts them with SQL): without compression the archive still streams through the counter on every major.
        var backup = Server.Major >= 16 ? await ws.RunBackupAsync("--compress", "none") : await ws.RunBackupAsync();
        var restore = await LifeboatCli.RunAsync(["restore", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--force", "--target-db", restored],
            ws.Env);

        // Assert
        CliAssert.Succeeded(backup);
        var log = File.ReadAllText(ws.Folder.File(Assert.Single(ws.Folder.CompleteStems()) + ".log"));
        Assert.Contains("in the archive", log, StringComparison.Ordinal); // counted from the stream, not by a second scan
        var tables = ws.Folder.SingleManifest()["tables"]!.AsArray();
        Assert.Equal(8, tables.Count);
        foreach (var table in tables)
        {
            var (schema, name, rows) = ((string)table!["schema"]!, (string)table["name"]!, (long)table["rows"]!);
            var own = await Server.ScalarAsync<long>(ws.Database, $"SELECT count(*) FROM ONLY \"{schema}\".\"{name}\"");
            Assert.True(own == rows, $"{schema}.{name}: manifest says {rows}, the table has {own} rows of its own");
        }
        Assert.Equal(5000L, (long)tables.Single(t => (string?)t!["name"] == "tricky")!["rows"]!);
        Assert.Equal(42L, (long)tables.Single(t => (string?)t!["name"] == "no_columns")!["rows"]!);
        Assert.Equal(0L, (long)tables.Single(t => (string?)t!["name"] == "measurements")!["rows"]!);
        Assert.Equal(2L, (long)tables.Single(t => (string?)t!["name"] == "animals")!["rows"]!);
        CliAssert.Succeeded(restore);
        Assert.Matches(@"verification\s+passed", restore.StdOut);
        Assert.Equal(5, await Server.ScalarAsync<long>(restored, "SELECT count(*) FROM animals"));
        Assert.Equal(3000, await Server.ScalarAsync<long>(restored, "SELECT count(*) FROM measurements"));
    }

    [Fact]
    public async Task An_archive_of_a_version_Lifeboat_does_not_read_still_gets_every_table_counted_and_the_log_says_it_was_counted_with_SQL()
    {
        // Arrange: a pg_dump whose archive says it is of version 1.17 (byte 6, after "PGDMP" and the major), as a later
        // pg_dump's may; its entries could have a field this Lifeboat does not know, so it must not read them.
        await using var ws = await BackupWorkspace.WithEmptyDatabaseAsync(Server, "future");
        await ws.ExecuteAsync("""
            CREATE TABLE notes (id int, body text);
            INSERT INTO notes SELECT i, E'line\nbreak' FROM generate_series(1, 1234) i;
            CREATE TABLE empty_table (id int);
            """);
        using var bin = FakePgBin.Create(Server);
        bin.Add("pg_dump").WritesWithOneByteChanged(6, 17);

        // Act
        var backup = await LifeboatCli.RunAsync(ws.BackupArgs("--pg-bin", bin.Path), bin.AddTo(ws.Env));

        // Assert
        CliAssert.Succeeded(backup);
        var stem = Assert.Single(ws.Folder.CompleteStems());
        Assert.Equal(17, ByteOfTheArchive(ws.Folder.File(stem + ".dump.zst"), 6)); // the backup holds what pg_dump wrote
        var log = File.ReadAllLines(ws.Folder.File(stem + ".log"));
        Assert.Single(log, l => l.EndsWith("row counts: archive version 1.17 is not one Lifeboat reads; counted with SQL instead", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.Contains("in the archive", StringComparison.Ordinal));
        var rows = ws.Folder.SingleManifest()["tables"]!.AsArray().ToDictionary(t => (string)t!["name"]!, t => (long)t!["rows"]!);
        Assert.Equal(new Dictionary<string, long> { ["notes"] = 1234, ["empty_table"] = 0 }, rows);
    }

    static int ByteOfTheArchive(string zstdFile, int offset)
    {
        using var archive = new ZstdSharp.DecompressionStream(File.OpenRead(zstdFile));
        var head = new byte[offset + 1];
        archive.ReadExactly(head);
        return head[offset];
    }

    [Fact]
    public async Task In_a_LATIN1_database_tables_with_accented_names_get_their_own_counts()
    {
        // Arrange: pg_dump writes names in the database's encoding; "café" and "cafè" must not be confused or misread.
        await using var ws = await BackupWorkspace.WithDatabaseAsync(Server, "latin1", "ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
        await ws.ExecuteAsync("""
            CREATE TABLE "café" (id int);
            CREATE TABLE "cafè" (id int);
            CREATE TABLE plain_ascii (id int);
            INSERT INTO "café" SELECT generate_series(1, 11);
            INSERT INTO "cafè" SELECT generate_series(1, 22);
            INSERT INTO plain_ascii SELECT generate_series(1, 33);
            """);

        // Act
        var backup = await ws.RunBackupAsync();

        // Assert
        CliAssert.Succeeded(backup);
        var rows = ws.Folder.SingleManifest()["tables"]!.AsArray().ToDictionary(t => (string)t!["name"]!, t => (long)t!["rows"]!);
        Assert.Equal(11, rows["café"]);
        Assert.Equal(22, rows["cafè"]);
        Assert.Equal(33, rows["plain_ascii"]);
    }

    [Fact]
    [Trait("Majors", "all")]
    public async Task A_manifest_from_before_own_row_counts_still_verifies_a_partitioned_table_by_its_partitions_rows()
    {
        // Arrange: a backup whose manifest is made to look like one of an earlier Lifeboat, which counted a partitioned
        // table and an inheritance parent with their partitions' and children's rows, and had no "rowCounts".
        await using var ws = await BackupWorkspace.WithEmptyDatabaseAsync(Server, "oldcounts");
        await ws.ExecuteAsync("""
            CREATE TABLE measurements (at date NOT NULL, value int) PARTITION BY RANGE (at);
            CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            INSERT INTO measurements SELECT date '2026-01-01' + (i % 300), i FROM generate_series(1, 700) i;
            CREATE TABLE animals (name text);
            CREATE TABLE dogs (breed text) INHERITS (animals);
            INSERT INTO animals VALUES ('cat');
            INSERT INTO dogs VALUES ('rex', 'collie'), ('fido', 'pug');
            """);
        var restored = ws.OtherDatabaseName("restored");

        CliAssert.Succeeded(await ws.RunBackupAsync());
        var manifestPath = ws.Folder.File(Assert.Single(ws.Folder.CompleteStems()) + ".json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        Assert.Equal("own", (string?)manifest["rowCounts"]);
        manifest.Remove("rowCounts");
        foreach (var table in manifest["tables"]!.AsArray())
            table!["rows"] = await Server.CountRowsAsync(ws.Database, (string)table["schema"]!, (string)table["name"]!); // with children
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        // Act
        var restore = await LifeboatCli.RunAsync(["restore", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--force", "--target-db", restored],
            ws.Env);

        // Assert
        CliAssert.Succeeded(restore);
        Assert.Matches(@"verification\s+passed", restore.StdOut);
        Assert.Equal(700, await Server.ScalarAsync<long>(restored, "SELECT count(*) FROM measurements"));
        Assert.Equal(3, await Server.ScalarAsync<long>(restored, "SELECT count(*) FROM animals"));
    }

    [Fact]
    [Trait("Majors", "all")]
    public async Task The_migration_history_file_holds_the_alembic_version()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithFixtureDatabaseAsync(Server, "migrated");

        // Act
        var result = await ws.RunBackupAsync();

        // Assert
        CliAssert.Succeeded(result);
        var migrations = await File.ReadAllTextAsync(ws.Folder.SingleFileEndingWith(".migrations.sql"));
        Assert.Contains("alembic_version", migrations, StringComparison.Ordinal);
        Assert.Contains("6cdf0b06a3e9", migrations, StringComparison.Ordinal);
        var migration = ws.Folder.SingleManifest()["migration"]!;
        Assert.Equal("alembic", (string?)migration["tool"]);
        Assert.Equal("6cdf0b06a3e9", (string?)migration["version"]);
    }

    [Fact]
    public async Task With_json_the_output_is_the_manifest_and_its_checksum_matches_the_archive()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "jsonout");

        // Act
        var result = await ws.RunBackupAsync("--json");

        // Assert
        CliAssert.Succeeded(result);
        var output = JsonNode.Parse(result.StdOut)!.AsObject(); // throws if anything but JSON is on stdout
        Assert.Equal(ws.Database, (string?)output["database"]);
        Assert.Equal("custom", (string?)output["format"]);
        Assert.Equal("zstd", (string?)output["compression"]);
        Assert.False(string.IsNullOrEmpty((string?)output["serverVersion"]));
        Assert.False(string.IsNullOrEmpty((string?)output["pgDumpVersion"]));
        // ISO 8601 with the offset, as the issue asks, and a duration that agrees with them.
        var iso = new System.Text.RegularExpressions.Regex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$");
        Assert.Matches(iso, (string)output["startedAt"]!);
        Assert.Matches(iso, (string)output["finishedAt"]!);
        var started = DateTimeOffset.Parse((string)output["startedAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        var finished = DateTimeOffset.Parse((string)output["finishedAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange((double)output["durationSeconds"]!, (finished - started).TotalSeconds - 0.01, (finished - started).TotalSeconds + 0.01);
        Assert.False(string.IsNullOrEmpty((string?)output["lifeboatVersion"]));
        Assert.Equal(1, (int)output["tableCount"]!);
        Assert.Equal(100, (long)output["tables"]![0]!["rows"]!);
        var archive = ws.Folder.File((string)output["archive"]!["name"]!);
        Assert.Equal(new FileInfo(archive).Length, (long)output["archive"]!["sizeBytes"]!);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(archive))), (string?)output["archive"]!["sha256"]);
        Assert.Equal(JsonNode.Parse(await File.ReadAllTextAsync(ws.Folder.SingleFileEndingWith(".json")))!.ToJsonString(), output.ToJsonString());
    }

    [Fact]
    public async Task A_label_lands_in_the_manifest()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "labelled");

        // Act
        var result = await ws.RunBackupAsync("--label", "pre-migration");

        // Assert
        CliAssert.Succeeded(result);
        Assert.Equal("pre-migration", (string?)ws.Folder.SingleManifest()["label"]);
    }

    [Fact]
    public async Task The_backup_folder_is_created_0700_and_the_backup_files_are_0600()
    {
        // Arrange: a folder that does not exist yet.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "private");
        var folder = ws.Folder.Sub("backups");

        // Act
        var result = await LifeboatCli.RunAsync(Server.BackupArgs(ws.Database, folder), ws.Env);

        // Assert
        CliAssert.Succeeded(result);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        var files = ws.Folder.FileNames(folder).Where(n => n.StartsWith(ws.Database + "_backup_", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, files.Count);
        foreach (var name in files)
            Assert.True(File.GetUnixFileMode(Path.Combine(folder, name)) == (UnixFileMode.UserRead | UnixFileMode.UserWrite),
                $"{name} is {File.GetUnixFileMode(Path.Combine(folder, name))}");
    }

    [Fact]
    public async Task No_file_in_the_backup_folder_is_readable_by_others_not_even_the_lock_file()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "lockmode");

        // Act
        var result = await ws.RunBackupAsync();

        // Assert
        CliAssert.Succeeded(result);
        const UnixFileMode groupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var open = ws.Folder.FileNames().Where(n => (File.GetUnixFileMode(ws.Folder.File(n)) & groupOrOthers) != 0)
            .Select(n => $"{n} ({File.GetUnixFileMode(ws.Folder.File(n))})").ToList();
        Assert.True(open.Count == 0, "readable by group/others: " + string.Join(", ", open));
    }

    [Fact]
    public async Task The_password_never_appears_on_a_command_line_while_a_backup_runs()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithFixtureDatabaseAsync(Server, "argv");
        var leaks = new List<string>();
        var seen = new HashSet<string>();

        // Act: watch every descendant of the CLI (pg_dump included) for as long as it runs.
        await using var run = await LifeboatCli.StartAsync(ws.BackupArgs(), ws.Env);
        var family = new HashSet<int> { run.Process.Id };
        while (!run.Process.HasExited)
        {
            foreach (var (pid, parent, cmdline) in Processes())
            {
                if (!family.Contains(pid) && !family.Contains(parent))
                    continue;
                family.Add(pid);
                seen.Add(cmdline);
                if (cmdline.Contains(Server.Password, StringComparison.Ordinal))
                    leaks.Add(cmdline);
            }
            await Task.Delay(3);
        }
        var result = await run.WaitAsync();

        // Assert
        CliAssert.Succeeded(result);
        Assert.True(seen.Any(c => c.Contains("pg_dump", StringComparison.Ordinal) && c.Contains("--snapshot", StringComparison.Ordinal)),
            "pg_dump was never seen running; saw: " + string.Join(" | ", seen));
        Assert.Empty(leaks);
    }

    [Fact]
    public async Task The_password_is_not_written_into_the_log_the_manifest_or_the_sidecars()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "nosecret");

        // Act
        var result = await ws.RunBackupAsync();

        // Assert
        CliAssert.Succeeded(result);
        Assert.DoesNotContain(Server.Password, result.Output, StringComparison.Ordinal);
        foreach (var name in ws.Folder.FileNames().Where(n => !n.EndsWith(".zst", StringComparison.Ordinal)))
            Assert.DoesNotContain(Server.Password, await File.ReadAllTextAsync(ws.Folder.File(name)), StringComparison.Ordinal);
    }

    /// <summary>Restores <paramref name="archive"/> into the empty <paramref name="target"/> the way a user would by hand.</summary>
    async Task RestoreWithRealToolsAsync(string archive, string extension, string target, string scratch)
    {
        var env = Server.ClientEnvironment(target);
        var psql = Path.Combine(Server.BinDirectory, "psql");
        var pgRestore = Path.Combine(Server.BinDirectory, "pg_restore");
        var plain = Path.Combine(scratch, "restore.sql");
        var custom = Path.Combine(scratch, "restore.dump");
        switch (extension)
        {
            case ".dump.zst":
                await ExternalTool.RunCheckedAsync("zstd", ["-d", "-q", "-f", "-o", custom, archive]);
                await ExternalTool.RunCheckedAsync(pgRestore, ["--exit-on-error", "-d", target, custom], env);
                break;
            case ".dump":
                await ExternalTool.RunCheckedAsync(pgRestore, ["--exit-on-error", "-d", target, archive], env);
                break;
            case ".sql.zst":
                await ExternalTool.RunCheckedAsync("zstd", ["-d", "-q", "-f", "-o", plain, archive]);
                await ExternalTool.RunCheckedAsync(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target, "-f", plain], env);
                break;
            case ".sql.gz":
                await ExternalTool.RunCheckedAsync("gzip", ["-d", "-c", archive], stdoutFile: plain);
                await ExternalTool.RunCheckedAsync(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target, "-f", plain], env);
                break;
            case ".sql":
                await ExternalTool.RunCheckedAsync(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target, "-f", archive], env);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(extension), extension, null);
        }
    }

    /// <summary>Every process visible in /proc: pid, parent pid and command line (arguments joined by spaces).</summary>
    static IEnumerable<(int Pid, int Parent, string CommandLine)> Processes()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            string stat, cmdline;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // it exited meanwhile
            }
            // stat: "pid (comm) state ppid ..." — comm may contain spaces and parentheses, so split after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], out var parent))
                yield return (pid, parent, cmdline);
        }
    }
}
