using System.Text.Json.Nodes;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>
/// Issue 17: pg_dump does not carry optimizer statistics, so a restored database used to meet its application with none
/// (on the fixture, 5 rows of pg_stats for public against 117). A restore analyzes the staging database before the
/// swap; --no-analyze skips it and says so.
/// </summary>
[Collection("postgres")]
[Trait("Majors", "all")]
public sealed class AnalyzeSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    /// <summary>The schemas whose statistics are compared: the fixture's own and PostGIS's topology, not the catalogs.</summary>
    const string UserSchemas = "schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\\_toast%'";

    /// <summary>Tables that belong to an extension (spatial_ref_sys, topology.layer, ...), which CREATE EXTENSION makes, and may analyze, itself.</summary>
    const string ExtensionMember = """
        EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
                  AND d.objid = format('%I.%I', schemaname, {0})::regclass)
        """;

    [Theory]
    [InlineData("custom")]
    [InlineData("plain")]
    public async Task A_restored_database_has_statistics_on_every_column_the_analyzed_original_has_in_place_and_under_another_name(string format)
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, $"an_{format}");
        // A partitioned table: its own statistics (over all partitions) are what vacuumdb before 18 leaves out.
        await ws.ExecuteAsync("""
            CREATE TABLE public.sightings (id int, seen date, what text) PARTITION BY RANGE (seen);
            CREATE TABLE public.sightings_2024 PARTITION OF public.sightings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            CREATE TABLE public.sightings_2025 PARTITION OF public.sightings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            INSERT INTO public.sightings SELECT g, date '2024-01-01' + (g % 700), 'comet ' || g FROM generate_series(1, 5000) g;
            """);
        await KeepAutovacuumAwayAsync(ws.Database);
        await ws.ExecuteAsync("ANALYZE");
        var original = await CoverageAsync(ws, ws.Database);
        Assert.Contains("public.earthquakes.magnitude", original);
        Assert.Contains("public.sightings.what", original);
        Assert.Contains("public.spatial_ref_sys.srtext", original);
        var backup = await ws.BackupAsync("--format", format);

        // In place: the database the application reconnects to after the swap.
        var swapped = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup", "--jobs", "2");

        Assert.True(swapped.ExitCode == 0, swapped.ToString());
        Assert.Equal(original, await CoverageAsync(ws, ws.Database));
        Assert.Empty(await EventuallyAnalyzedAsync(ws, ws.Database));
        Assert.Contains("analyzing the restored database", swapped.StdOut);
        Assert.Matches(@"statistics\s+analyzed in \d+\.\d s \(vacuumdb --analyze-only, 2 jobs\)", swapped.StdOut);

        // Under another name: the same, and the JSON gives the analyze's time.
        var other = ws.OtherDatabaseName("copy");
        var copied = await ws.RestoreAsync("--latest", "--force", "--target-db", other, "--json");

        Assert.True(copied.ExitCode == 0, copied.ToString());
        Assert.InRange((double)JsonNode.Parse(copied.StdOut)!["analyzeSeconds"]!, 0.001, 600);
        Assert.Equal(original, await CoverageAsync(ws, other));
        Assert.Empty(await EventuallyAnalyzedAsync(ws, other));

        // The log names the command (the password is never on it) and its time.
        var log = await File.ReadAllTextAsync(Path.Combine(ws.BackupDir, backup.Stem + ".restore.log"));
        Assert.Matches(@"INFO  analyzing \S+: \S*vacuumdb --no-password --analyze-only --jobs 2 --dbname \S+", log);
        Assert.Matches(@"INFO  analyzed \S+ in \d+\.\d{3} s with 2 jobs", log);
        Assert.DoesNotContain(Server.Password, log);
    }

    [Fact]
    public async Task With_no_analyze_the_restored_database_has_no_statistics_of_its_tables_and_the_summary_says_so()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "an_skipped");
        await KeepAutovacuumAwayAsync(ws.Database);
        await ws.ExecuteAsync("ANALYZE");
        var backup = await ws.BackupAsync();

        var text = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup", "--no-analyze");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches(@"statistics\s+not analyzed \(--no-analyze\): run ANALYZE or wait for autovacuum", text.StdOut);
        Assert.DoesNotContain("analyzing the restored database", text.StdOut);
        // Only what PostGIS's CREATE EXTENSION analyzes itself (spatial_ref_sys) has statistics; the backup's tables have none.
        Assert.Empty(await CoverageAsync(ws, ws.Database, backupTablesOnly: true));
        var tables = await ws.ListAsync(ws.Database, $"SELECT schemaname || '.' || relname FROM pg_stat_user_tables WHERE schemaname = 'public' AND NOT {string.Format(ExtensionMember, "relname")}");
        Assert.True(tables.Count > 10, string.Join(", ", tables));
        Assert.Equal(tables.Order(StringComparer.Ordinal), (await NotAnalyzedAsync(ws, ws.Database, backupTablesOnly: true)).Order(StringComparer.Ordinal));

        var json = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup", "--no-analyze", "--json");

        Assert.True(json.ExitCode == 0, json.ToString());
        var analyzeSeconds = JsonNode.Parse(json.StdOut)!.AsObject()["analyzeSeconds"];
        Assert.Null(analyzeSeconds);
        var log = await File.ReadAllTextAsync(Path.Combine(ws.BackupDir, backup.Stem + ".restore.log"));
        Assert.Contains("not analyzed (--no-analyze)", log);
        Assert.DoesNotContain("vacuumdb", log);
    }

    [Fact]
    public async Task A_missing_vacuumdb_is_refused_before_any_work_naming_no_analyze_which_restores_without_it()
    {
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "an_novacuumdb");
        CliAssert.Succeeded(await ws.RunBackupAsync());
        using var bin = FakePgBin.Create(Server);
        bin.Add("pg_restore"); // and no vacuumdb
        List<string> restore = ["restore", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--force", "--no-safety-backup", "--pg-bin", bin.Path];

        var refused = await LifeboatCli.RunAsync(restore, bin.AddTo(ws.Env));

        CliAssert.OneLineError(refused, 4, "vacuumdb not found", bin.Path, "--no-analyze");
        Assert.DoesNotContain("restoring", refused.StdOut);
        Assert.Empty(Directory.GetFiles(ws.Folder.Path, "*.restore.log"));

        var skipped = await LifeboatCli.RunAsync([.. restore, "--no-analyze"], bin.AddTo(ws.Env));

        CliAssert.Succeeded(skipped);
        Assert.Contains("not analyzed (--no-analyze)", skipped.StdOut);
    }

    /// <summary>
    /// Turns autovacuum off for the fixture's tables (pg_dump keeps the setting, so the restored tables have it too):
    /// the statistics a spec finds are the restore's, never autovacuum's.
    /// </summary>
    async Task KeepAutovacuumAwayAsync(string database) => await Server.ExecuteAsync(database, $$"""
        DO $$
        DECLARE t regclass;
        BEGIN
            -- Not a partitioned table: it stores no rows, autovacuum never analyzes it, and it takes no storage parameters.
            FOR t IN SELECT format('%I.%I', schemaname, tablename)::regclass FROM pg_tables
                     WHERE schemaname = 'public' AND NOT {{string.Format(ExtensionMember, "tablename")}}
                       AND (SELECT relkind FROM pg_class WHERE oid = format('%I.%I', schemaname, tablename)::regclass) = 'r'
            LOOP
                EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)', t);
            END LOOP;
        END $$
        """);

    /// <summary>Every (schema, table, column) with statistics in pg_stats, as "schema.table.column", sorted.</summary>
    static async Task<IReadOnlyList<string>> CoverageAsync(RestoreWorkspace ws, string database, bool backupTablesOnly = false) =>
        (await ws.ListAsync(database, $"""
            SELECT DISTINCT schemaname || '.' || tablename || '.' || attname FROM pg_stats
            WHERE {UserSchemas} {(backupTablesOnly ? $"AND NOT {string.Format(ExtensionMember, "tablename")}" : "")}
            """)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The user tables that were never analyzed, by hand or by autovacuum.</summary>
    static Task<IReadOnlyList<string>> NotAnalyzedAsync(RestoreWorkspace ws, string database, bool backupTablesOnly = false) =>
        ws.ListAsync(database, $"""
            SELECT schemaname || '.' || relname FROM pg_stat_user_tables
            WHERE last_analyze IS NULL AND last_autoanalyze IS NULL
              {(backupTablesOnly ? $"AND NOT {string.Format(ExtensionMember, "relname")}" : "")}
            ORDER BY 1
            """);

    /// <summary>
    /// <see cref="NotAnalyzedAsync"/> once it is empty, or after 10 s: up to PostgreSQL 14 the statistics collector
    /// hears of an ANALYZE a moment after it ended.
    /// </summary>
    static async Task<IReadOnlyList<string>> EventuallyAnalyzedAsync(RestoreWorkspace ws, string database)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var left = await NotAnalyzedAsync(ws, database);
            if (left.Count == 0 || DateTime.UtcNow > deadline)
                return left;
            await Task.Delay(200);
        }
    }
}
