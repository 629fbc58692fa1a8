using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>Every way a restore can fail before the swap leaves the target exactly as it was and no scratch database behind.</summary>
[Collection("postgres")]
public sealed class RestoreFailureSpecs(ClusterFixture cluster)
{
    const int Usage = 2;
    const int Tool = 4;
    const int Integrity = 5;
    const int Cancelled = 130;

    PostgresServer Server => cluster.Server;

    [Theory]
    [InlineData(ArchiveDamage.OneFlippedBit, "--latest", "SHA-256")]
    [InlineData(ArchiveDamage.CutInHalf, "--file", "truncated")]
    public async Task A_damaged_archive_is_refused_with_what_is_wrong_and_the_database_is_left_unchanged(ArchiveDamage damage, string choice, string named)
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_damaged");
        var backup = await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        Damage.Apply(damage, backup.ArchivePath);

        string[] chosen = choice == "--file" ? ["--file", backup.ArchiveName] : [choice];
        var result = await ws.RestoreAsync([.. chosen, "--force", "--no-safety-backup"]);

        Assert.True(result.ExitCode == Integrity, result.ToString());
        var error = OneErrorLine(result);
        Assert.Contains(backup.ArchiveName, error);
        Assert.Contains(named, error);
        await AssertUnchangedAsync(ws, before);
    }

    [Fact]
    public async Task A_backup_whose_manifest_is_missing_is_refused_as_incomplete()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_nomanifest");
        var backup = await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        File.Delete(backup.ManifestPath);

        var result = await ws.RestoreAsync("--file", backup.ArchiveName, "--force", "--no-safety-backup");

        Assert.True(result.ExitCode == Integrity, result.ToString());
        var error = OneErrorLine(result);
        Assert.Contains(backup.Stem, error);
        Assert.Contains("incomplete", error);
        Assert.Contains("no manifest", error);
        await AssertUnchangedAsync(ws, before);
    }

    [Fact]
    public async Task Without_a_manifest_latest_finds_no_complete_backup_and_says_so()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_nomanifest_latest");
        var backup = await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        File.Delete(backup.ManifestPath);

        var result = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("no complete backup", OneErrorLine(result));
        await AssertUnchangedAsync(ws, before);
    }

    [Fact]
    public async Task A_restore_whose_data_does_not_match_the_manifest_fails_verification_drops_the_staging_database_and_leaves_the_target_unchanged()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_verify");
        var backup = await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        // The manifest is not checksummed itself: a wrong row count passes the integrity check and is caught only
        // after the data was loaded into the staging database.
        backup.EditManifest(json =>
        {
            var earthquakes = json["tables"]!.AsArray().Single(t => (string?)t!["name"] == "earthquakes")!;
            earthquakes["rows"] = (long)earthquakes["rows"]! + 1;
        });

        var result = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup");

        Assert.True(result.ExitCode == Integrity, result.ToString());
        var error = OneErrorLine(result);
        Assert.Contains("does not match the backup's manifest", error);
        Assert.Contains("earthquakes", error);
        Assert.Contains("restoring into", result.StdOut); // it did get as far as the staging database
        await AssertUnchangedAsync(ws, before);
    }

    [Fact]
    public async Task A_plain_restore_whose_psql_dies_halfway_leaves_the_target_unchanged_and_no_staging_database()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_plain");
        await ws.BackupAsync("--format", "plain");
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        // A psql that gets the first 3 MB of the script (schema and part of the data), then the input ends mid-COPY.
        using var bin = FakePgBin.Create(Server);
        bin.Add("psql").GetsOnlyTheFirstBytesOfItsInput(3_000_000);
        bin.Add("vacuumdb"); // the real one: --pg-bin must hold every tool the restore runs

        var result = await ws.RestoreAsync(["--latest", "--force", "--no-safety-backup", "--pg-bin", bin.Path], env: bin.Environment);

        Assert.True(result.ExitCode != 0, result.ToString());
        var error = OneErrorLine(result);
        Assert.Contains("psql", error);
        Assert.DoesNotContain("Restore complete", result.StdOut);
        await AssertUnchangedAsync(ws, before);
    }

    [Fact]
    public async Task A_pg_restore_that_fails_halfway_leaves_the_target_unchanged_and_no_staging_database()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_tool");
        var backup = await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        // A pg_restore that creates the schema and loads the data, then dies before the indexes and constraints.
        using var bin = FakePgBin.Create(Server);
        bin.Add("pg_restore").RunsTheRealOneWith("--section=pre-data", "--section=data")
            .ThenFails(1, "pg_restore: error: could not read from input file: end of file");
        bin.Add("vacuumdb");

        var result = await ws.RestoreAsync(["--latest", "--force", "--no-safety-backup", "--pg-bin", bin.Path], env: bin.Environment);

        Assert.True(result.ExitCode == Tool, result.ToString());
        var error = OneErrorLine(result);
        Assert.Contains("pg_restore failed", error);
        Assert.Contains("could not read from input file", error);
        // The line names the log that has pg_restore's whole output by its path, and that file has it.
        var logPath = Path.Combine(ws.BackupDir, backup.Stem + ".restore.log");
        Assert.Contains(logPath, error);
        Assert.Contains("could not read from input file", await File.ReadAllTextAsync(logPath));
        await AssertUnchangedAsync(ws, before);
    }

    [Fact]
    public async Task A_vacuumdb_that_fails_after_the_load_leaves_the_target_unchanged_and_no_staging_database()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_analyze");
        var backup = await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        // The load and its verification pass; the analyze after them fails, as a role's statement_timeout would make it.
        using var bin = FakePgBin.Create(Server);
        bin.Add("pg_restore");
        bin.Add("vacuumdb").ThenFails(1, "vacuumdb: error: processing of database failed: ERROR:  canceling statement due to statement timeout");

        var result = await ws.RestoreAsync(["--latest", "--force", "--no-safety-backup", "--pg-bin", bin.Path], env: bin.Environment);

        Assert.True(result.ExitCode == Tool, result.ToString());
        var error = OneErrorLine(result);
        Assert.Contains("vacuumdb failed", error);
        Assert.Contains("canceling statement due to statement timeout", error);
        Assert.Contains($"'{ws.Database}' was not changed", error);
        Assert.Contains("--no-analyze", error);
        Assert.Contains("verifying the restored database", result.StdOut); // it failed after the load, not before it
        var logPath = Path.Combine(ws.BackupDir, backup.Stem + ".restore.log");
        Assert.Contains(logPath, error);
        Assert.Contains("statement timeout", await File.ReadAllTextAsync(logPath));
        await AssertUnchangedAsync(ws, before);
    }

    [Fact]
    public async Task Ctrl_C_during_the_analyze_stops_it_drops_the_staging_database_and_leaves_the_target_unchanged()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_ctrlc_analyze");
        var backup = await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        using var bin = FakePgBin.Create(Server);
        bin.Add("pg_restore");
        bin.Add("vacuumdb").WaitsBeforeRunning(TimeSpan.FromMinutes(2)); // the run is at the analyze until it is interrupted
        await using var restore = await LifeboatCli.StartAsync(
            ["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--latest", "--force", "--no-safety-backup", "--pg-bin", bin.Path], bin.AddTo(ws.Env));
        Assert.True(await restore.WaitForOutputAsync("analyzing the restored database", TimeSpan.FromMinutes(1)),
            $"the restore never reached the analyze\n{restore.StdOutSoFar}\n{restore.StdErrSoFar}");
        Assert.NotEmpty(await ws.ScratchDatabasesAsync());

        restore.Interrupt();
        var result = await restore.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == Cancelled, result.ToString());
        Assert.Contains("cancelled", result.StdErr);
        Assert.DoesNotContain("Restore complete", result.StdOut);
        await AssertUnchangedAsync(ws, before);
        var log = await File.ReadAllTextAsync(Path.Combine(ws.BackupDir, backup.Stem + ".restore.log"));
        Assert.Contains("analyzing", log);
        Assert.Contains("cancelled", log);
        Assert.Contains("the staging database was dropped", log);
    }

    [Fact]
    public async Task Ctrl_C_during_the_restore_stops_it_drops_the_staging_database_and_leaves_the_target_unchanged()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_ctrlc");
        var backup = await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        await using var restore = await ws.StartRestoreAsync("--latest", "--force", "--no-safety-backup", "--jobs", "1");
        Assert.True(await restore.WaitForOutputAsync("restoring with pg_restore", TimeSpan.FromMinutes(1)),
            $"the restore never reached pg_restore\n{restore.StdOutSoFar}\n{restore.StdErrSoFar}");
        Assert.True(await WaitForStagingDataAsync(ws), "the staging database never got any tables");

        restore.Interrupt();
        var result = await restore.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == Cancelled, result.ToString());
        Assert.Contains("cancelled", result.StdErr);
        Assert.DoesNotContain("Restore complete", result.StdOut);
        await AssertUnchangedAsync(ws, before);
        var log = await File.ReadAllTextAsync(Path.Combine(ws.BackupDir, backup.Stem + ".restore.log"));
        Assert.Contains("cancelled", log);
        Assert.Contains("dropped", log);
        Assert.DoesNotContain(Server.Password, log);
    }

    [Fact]
    public async Task Without_force_and_without_a_terminal_an_existing_database_is_not_replaced()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_confirm");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();

        var result = await ws.RestoreAsync("--latest", "--no-safety-backup");

        Assert.True(result.ExitCode == Usage, result.ToString());
        var error = OneErrorLine(result);
        Assert.Contains(ws.Database, error);
        Assert.Contains("no terminal", error);
        Assert.Contains("--force", error);
        await AssertUnchangedAsync(ws, before);
        Assert.Single(ws.Backups()); // not even a safety backup was taken
    }

    [Fact]
    public async Task Without_a_choice_of_backup_and_without_a_terminal_the_restore_asks_for_one_with_a_usage_error()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "rf_choice");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();

        var result = await ws.RestoreAsync("--force");

        Assert.True(result.ExitCode == Usage, result.ToString());
        var error = OneErrorLine(result);
        Assert.Contains("--latest", error);
        Assert.Contains("--file", error);
        await AssertUnchangedAsync(ws, before);
    }

    /// <summary>stderr is exactly one line "error: … — hint".</summary>
    static string OneErrorLine(CliResult result)
    {
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var error = Assert.Single(lines);
        Assert.StartsWith("error: ", error);
        Assert.Contains(" — ", error);
        return error;
    }

    static async Task AssertUnchangedAsync(RestoreWorkspace ws, string before)
    {
        Assert.Equal(before, await ws.FingerprintAsync());
        Assert.Equal("current", await ws.MarkersAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
        Assert.True(await ws.Server.ScalarAsync<bool>("postgres",
            $"SELECT datallowconn FROM pg_database WHERE datname = {RestoreWorkspace.Literal(ws.Database)}"));
        Assert.Empty(ws.LeftoverCopies()); // no decompressed copy left behind
    }

    /// <summary>Waits until the staging database has some of the data, so that Ctrl-C lands in the middle of the load.</summary>
    static async Task<bool> WaitForStagingDataAsync(RestoreWorkspace ws)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var staging = (await ws.ScratchDatabasesAsync()).FirstOrDefault();
            if (staging is not null)
            {
                var tables = await ws.Server.ScalarAsync<long>(staging,
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
                if (tables > 0)
                    return true;
            }
            await Task.Delay(50);
        }
        return false;
    }
}
