using Lifeboat.IntegrationTests.Support;
using Npgsql;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>The seed's four scenarios end to end, and what a successful restore leaves behind.</summary>
[Collection("postgres")]
public sealed class RestoreSpecs(ClusterFixture cluster)
{
    const string FixtureMigration = "6cdf0b06a3e9";

    PostgresServer Server => cluster.Server;

    // ---- the seed's scenarios ------------------------------------------------------------------------------------

    [Fact]
    public async Task After_a_table_is_dropped_by_mistake_restoring_the_latest_backup_brings_back_the_backups_data()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_corrupt");
        await ws.BackupAsync();
        var backedUp = await ws.FingerprintAsync();
        await ws.ExecuteAsync("DROP TABLE earthquakes; DELETE FROM alerts WHERE id % 3 = 0; UPDATE prophecies SET text_body = 'lost'");
        Assert.NotEqual(backedUp, await ws.FingerprintAsync());

        var result = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Restore complete", result.StdOut);
        Assert.Equal(backedUp, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
    }

    [Fact]
    public async Task After_a_failed_migration_restoring_the_pre_migration_backup_by_its_file_name_brings_back_the_schema_and_the_version()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_migration");
        var preMigration = await ws.BackupAsync("--label", "pre-migration");
        var backedUp = await ws.FingerprintAsync();
        // Half of a migration: the version is bumped and one table altered, then the next step failed.
        await ws.ExecuteAsync("""
            UPDATE alembic_version SET version_num = 'a1b2c3d4e5f6';
            ALTER TABLE earthquakes ADD COLUMN felt_reports integer NOT NULL DEFAULT 0;
            ALTER TABLE volcanic_activity DROP COLUMN country;
            CREATE TABLE tsunami_warnings (id serial PRIMARY KEY, earthquake_id bigint REFERENCES earthquakes (id));
            """);
        await ws.BackupAsync("--label", "after-failed-migration"); // the latest backup is the broken state: --file must win

        var result = await ws.RestoreAsync("--file", preMigration.ArchiveName, "--force", "--no-safety-backup");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(preMigration.Stem, result.StdOut);
        Assert.Equal(FixtureMigration, await ws.ScalarAsync<string>("SELECT version_num FROM alembic_version"));
        Assert.Equal(0L, await ws.ScalarAsync<long>(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'earthquakes' AND column_name = 'felt_reports'"));
        Assert.Equal(1L, await ws.ScalarAsync<long>(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'volcanic_activity' AND column_name = 'country'"));
        Assert.Null(await ws.ScalarAsync<string>("SELECT to_regclass('public.tsunami_warnings')::text"));
        Assert.Equal(backedUp, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
    }

    [Fact]
    [Trait("Majors", "all")]
    public async Task After_the_database_is_lost_restoring_it_by_name_from_the_latest_backup_creates_it_again()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_loss");
        await ws.BackupAsync();
        var backedUp = await ws.FingerprintAsync();
        await Server.DropDatabaseAsync(ws.Database);
        Assert.False(await ws.DatabaseExistsAsync(ws.Database));

        var result = await ws.RestoreAsync("--latest", "--force");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(await ws.DatabaseExistsAsync(ws.Database));
        Assert.Equal(backedUp, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
        Assert.Single(ws.Backups()); // nothing to save first: no safety backup of a database that is not there
    }

    [Fact]
    public async Task At_a_time_between_the_second_and_the_third_backup_restores_the_second()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_pit");
        await ws.AddMarkerAsync("1");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("2");
        var second = await ws.BackupAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // so that a time to the second falls after the second backup's start
        var between = DateTimeOffset.Now;
        await ws.AddMarkerAsync("3");
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var third = await ws.BackupAsync();
        await ws.AddMarkerAsync("4");
        var at = RestoreWorkspace.AtText(between);
        var parsedAt = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeLocal);
        Assert.True(second.Manifest.StartedAt <= parsedAt && parsedAt < third.Manifest.StartedAt,
            $"--at {at} should fall between {second.Manifest.StartedAt:O} and {third.Manifest.StartedAt:O}");

        var result = await ws.RestoreAsync("--at", at, "--force", "--no-safety-backup");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(second.Stem, result.StdOut);
        Assert.Equal("1,2", await ws.MarkersAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
    }

    [Fact]
    public async Task At_a_relative_time_of_zero_minutes_ago_restores_the_newest_backup()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_pit_rel");
        await ws.AddMarkerAsync("1");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("2");
        var newest = await ws.BackupAsync();
        await ws.AddMarkerAsync("3");

        var result = await ws.RestoreAsync("--at", "0m", "--force", "--no-safety-backup");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(newest.Stem, result.StdOut);
        Assert.Equal("1,2", await ws.MarkersAsync());
    }

    [Fact]
    public async Task At_a_time_before_the_first_backup_is_refused_with_a_clear_error_and_nothing_changes()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_pit_early");
        var only = await ws.BackupAsync();
        await ws.AddMarkerAsync("after");
        var before = await ws.FingerprintAsync();

        var result = await ws.RestoreAsync("--at", "2001-01-01 00:00", "--force", "--no-safety-backup");

        Assert.True(result.ExitCode == 1, result.ToString());
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", error);
        Assert.Contains("2001-01-01", error);
        Assert.Contains("the oldest backup is from " + only.Manifest.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), error);
        Assert.Contains(" — ", error);
        Assert.Equal(before, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
    }

    // ---- what a successful restore leaves behind ---------------------------------------------------------------------

    [Fact]
    [Trait("Majors", "all")]
    public async Task A_restore_succeeds_while_other_sessions_are_connected_in_transactions_and_a_client_keeps_reconnecting()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_sessions");
        await ws.BackupAsync();
        var backedUp = await ws.FingerprintAsync();
        await ws.AddMarkerAsync("after-backup");

        var clients = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var client = new NpgsqlConnection(Server.ConnectionString(ws.Database)); // Pooling=false: real sessions
                await client.OpenAsync();
                clients.Add(client);
            }
            // One reads in an open transaction, one has an uncommitted write, one is idle.
            await using (var read = new NpgsqlCommand("BEGIN; SELECT count(*) FROM earthquakes", clients[0]))
                await read.ExecuteNonQueryAsync();
            await using (var write = new NpgsqlCommand("BEGIN; UPDATE volcanic_activity SET vei = 0 WHERE id < 100", clients[1]))
                await write.ExecuteNonQueryAsync();
            Assert.Equal(3L, await Server.ScalarAsync<long>("postgres",
                $"SELECT count(*) FROM pg_stat_activity WHERE datname = {RestoreWorkspace.Literal(ws.Database)}"));
            // And an application that reconnects as soon as it is thrown out, like a connection pool.
            using var stopPolling = new CancellationTokenSource();
            var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var poller = Task.Run(async () =>
            {
                while (!stopPolling.IsCancellationRequested)
                {
                    try { seen.Enqueue(await ws.MarkersAsync()); }
                    catch (Exception e) when (e is NpgsqlException or InvalidOperationException) { } // thrown out, or refused during the swap
                    await Task.Delay(20);
                }
            });

            var result = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup");

            Assert.True(result.ExitCode == 0, result.ToString());
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!seen.Contains("") && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            await stopPolling.CancelAsync();
            await poller;
            Assert.Contains("after-backup", seen); // it read the database before the swap
            Assert.Contains("", seen);             // and the restored one after it, by simply reconnecting
            Assert.Equal(backedUp, await ws.FingerprintAsync());
            Assert.Equal("", await ws.MarkersAsync());
            Assert.Empty(await ws.ScratchDatabasesAsync());
            foreach (var client in clients)
            {
                // Their sessions were ended by the swap; a client reconnects to get the restored database.
                await using var probe = new NpgsqlCommand("SELECT 1", client);
                await Assert.ThrowsAnyAsync<Exception>(() => probe.ExecuteScalarAsync());
            }
        }
        finally
        {
            foreach (var client in clients)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_restore_does_not_hang_on_a_migration_that_is_still_holding_a_lock_on_a_table()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_locked");
        var preMigration = await ws.BackupAsync("--label", "pre-migration");
        var backedUp = await ws.FingerprintAsync();
        // The failed migration's session is still there, inside its transaction, holding an ACCESS EXCLUSIVE lock.
        await using var migration = new NpgsqlConnection(Server.ConnectionString(ws.Database));
        await migration.OpenAsync();
        await using (var alter = new NpgsqlCommand(
            "BEGIN; UPDATE alembic_version SET version_num = 'a1b2c3d4e5f6'; ALTER TABLE earthquakes ADD COLUMN felt_reports integer", migration))
            await alter.ExecuteNonQueryAsync();

        // With the default safety backup, whose pg_dump needs a lock on every table: it may give up, but not wait forever.
        var result = await ws.RestoreAsync(["--file", preMigration.ArchiveName, "--force"], TimeSpan.FromSeconds(150));

        if (result.ExitCode == 0)
        {
            Assert.Equal(backedUp, await ws.FingerprintAsync());
        }
        else
        {
            // Refusing is fine too, if it says why and what to do, and changes nothing.
            var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error: ", error);
            Assert.Contains("--no-safety-backup", error);
            await using (var rollback = new NpgsqlCommand("ROLLBACK", migration))
                await rollback.ExecuteNonQueryAsync();
            Assert.Equal(backedUp, await ws.FingerprintAsync());
        }
        Assert.Empty(await ws.ScratchDatabasesAsync());
    }

    [Fact]
    [Trait("Majors", "all")]
    public async Task A_restore_with_target_db_creates_another_database_and_leaves_the_source_untouched()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_target");
        await ws.BackupAsync();
        var backedUp = await ws.FingerprintAsync();
        await ws.AddMarkerAsync("only-in-source");
        var source = await ws.FingerprintAsync();
        var copy = ws.OtherDatabaseName("copy");

        // No --force: a database that does not exist yet replaces nothing, so nothing needs confirming.
        var result = await ws.RestoreAsync("--latest", "--target-db", copy);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(backedUp, await ws.FingerprintAsync(copy));
        Assert.Equal(FixtureMigration, await Server.ScalarAsync<string>(copy, "SELECT version_num FROM alembic_version"));
        Assert.Equal(source, await ws.FingerprintAsync());
        Assert.Equal("only-in-source", await ws.MarkersAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync(copy));
        Assert.Empty(await ws.ScratchDatabasesAsync());
        Assert.Single(ws.Backups()); // no safety backup: nothing was replaced
    }

    [Fact]
    public async Task With_keep_old_the_replaced_database_is_kept_under_an_old_name_and_accepts_connections()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_keep");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("previous");
        var previous = await ws.FingerprintAsync();

        var result = await ws.RestoreAsync("--latest", "--force", "--keep-old", "--no-safety-backup");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", await ws.MarkersAsync());
        var old = Assert.Single(await ws.ScratchDatabasesAsync());
        Assert.StartsWith(ws.Database + "__lifeboat_old_", old);
        Assert.Contains(old, result.StdOut);
        Assert.Equal(previous, await ws.FingerprintAsync(old));
        Assert.True(await Server.ScalarAsync<bool>("postgres",
            $"SELECT datallowconn FROM pg_database WHERE datname = {RestoreWorkspace.Literal(old)}"));
    }

    [Fact]
    [Trait("Majors", "all")]
    public async Task Replacing_a_database_first_takes_a_safety_backup_labelled_pre_restore_that_restores_the_replaced_data()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_safety");
        var original = await ws.BackupAsync();
        await ws.AddMarkerAsync("made-after-the-backup");
        var current = await ws.FingerprintAsync();

        var result = await ws.RestoreAsync("--latest", "--force");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", await ws.MarkersAsync());
        var safety = Assert.Single(ws.Backups(), b => b.Stem != original.Stem);
        Assert.Equal("pre-restore", safety.Manifest.Label);
        Assert.Equal(ws.Database, safety.Manifest.Database);
        Assert.True(safety.Manifest.StartedAt > original.Manifest.StartedAt);
        Assert.Contains(safety.ArchiveName, result.StdOut);
        Assert.True(File.Exists(safety.ArchivePath));
        var signs = Assert.Single(safety.Manifest.Tables, t => t.Name == "celestial_signs");
        Assert.Equal(await Server.ScalarAsync<long>(ws.Database, "SELECT count(*) FROM celestial_signs") + 1, signs.Rows);

        // The safety backup is a backup like any other: restoring it undoes the restore.
        var undo = await ws.RestoreAsync("--file", safety.ArchivePath, "--force", "--no-safety-backup");

        Assert.True(undo.ExitCode == 0, undo.ToString());
        Assert.Equal("made-after-the-backup", await ws.MarkersAsync());
        Assert.Equal(current, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
    }

    [Theory]
    [InlineData("custom")]
    [InlineData("plain")]
    [Trait("Majors", "all")]
    public async Task PostGIS_geography_values_round_trip_exactly(string format)
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rs_gis_" + format);
        const string geography = """
            SELECT concat_ws(' ',
              (SELECT md5(string_agg(ST_AsEWKT(location), ',' ORDER BY id)) FROM earthquakes),
              (SELECT md5(string_agg(ST_AsEWKT(location), ',' ORDER BY id)) FROM volcanic_activity),
              (SELECT md5(string_agg(coalesce(ST_AsEWKT(radiant), '-'), ',' ORDER BY id)) FROM meteor_showers),
              (SELECT md5(string_agg(location::text, ',' ORDER BY id)) FROM earthquakes),
              (SELECT md5(string_agg(location::text, ',' ORDER BY id)) FROM volcanic_activity))
            """;
        var backup = await ws.BackupAsync("--format", format);
        Assert.Equal(format, backup.Manifest.Format);
        var backedUp = await ws.ScalarAsync<string>(geography);
        await ws.ExecuteAsync("""
            UPDATE earthquakes SET location = ST_SetSRID(ST_MakePoint(0, 0), 4326)::geography WHERE id % 2 = 0;
            UPDATE volcanic_activity SET location = ST_SetSRID(ST_MakePoint(1, 1), 4326)::geography;
            """);
        Assert.NotEqual(backedUp, await ws.ScalarAsync<string>(geography));

        var result = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(backedUp, await ws.ScalarAsync<string>(geography));
        Assert.Equal(Assert.Single(backup.Manifest.Tables, t => t.Name == "earthquakes").Rows,
            await ws.ScalarAsync<long>("SELECT count(*) FROM earthquakes WHERE ST_Y(location::geometry) BETWEEN -90 AND 90"));
        // The spatial index came back too.
        Assert.Equal(1L, await ws.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_earthquakes_location'"));
    }
}
