using System.Globalization;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>
/// The edges a careful user runs into: a backup killed after its renames, paths given relative to where the user stands,
/// and checks that cannot run. (A default zstd backup that fills the disk, and a database whose tables were never analyzed,
/// are cases of BackupFailureSpecs' disk theories.)
/// </summary>
[Collection("postgres")]
public sealed class EdgeCaseSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    [Fact]
    public async Task Files_of_a_backup_killed_after_its_renames_but_before_its_manifest_are_removed_by_the_next_backup_and_its_log_stays()
    {
        // Arrange: a complete backup whose manifest is gone is exactly what a kill between the renames and the manifest leaves.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "orphans");
        CliAssert.Succeeded(await ws.RunBackupAsync());
        var orphan = Assert.Single(ws.Folder.CompleteStems());
        File.Delete(ws.Folder.File(orphan + ".json"));
        await Task.Delay(1100); // the next backup gets another second, so another name

        // Act
        var result = await ws.RunBackupAsync();

        // Assert
        CliAssert.Succeeded(result);
        var names = ws.Folder.FileNames();
        Assert.DoesNotContain(names, n => n.StartsWith(orphan, StringComparison.Ordinal) && !n.EndsWith(".log", StringComparison.Ordinal));
        Assert.Contains(orphan + ".log", names);
        Assert.NotEqual(orphan, Assert.Single(ws.Folder.CompleteStems()));
    }

    [Fact]
    public async Task Giving_both_latest_and_at_is_a_usage_error_and_nothing_is_restored()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ec_twochoices");
        await ws.BackupAsync();
        var before = await ws.FingerprintAsync();

        var result = await ws.RestoreAsync("--latest", "--at", "1h", "--force");

        CliAssert.OneLineError(result, 2, "--latest", "--at");
        Assert.Equal(before, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
    }

    [Fact]
    public async Task A_backup_copied_elsewhere_is_restored_and_verified_by_a_path_relative_to_the_current_folder()
    {
        // Arrange: the user copied a backup (all its files) into a folder of their own and stands in it.
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ec_relative");
        var backup = await ws.BackupAsync();
        using var elsewhere = BackupFolder.Create();
        foreach (var file in Directory.GetFiles(ws.BackupDir, backup.Stem + ".*"))
            File.Copy(file, elsewhere.File(Path.GetFileName(file)));
        File.Delete(backup.ArchivePath); // the copy, not the original, must be the one used
        var target = ws.OtherDatabaseName("copy");

        // Act
        var verify = await LifeboatCli.RunAsync(["verify", "--file", backup.ArchiveName, "--backup-dir", ws.BackupDir],
            ws.Env, workingDirectory: elsewhere.Path);
        var restore = await LifeboatCli.RunAsync(["restore", "-d", ws.Database, "--file", backup.ArchiveName, "--backup-dir", ws.BackupDir,
            "--target-db", target, "--force"], ws.Env, workingDirectory: elsewhere.Path);

        // Assert
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(await ws.FingerprintAsync(), await ws.FingerprintAsync(target));
    }

    [Fact]
    public async Task The_restore_log_records_duration_tables_rows_migration_version_verification_and_the_final_name()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ec_restorelog");
        var backup = await ws.BackupAsync();
        var target = ws.OtherDatabaseName("logged");

        var result = await ws.RestoreAsync("--latest", "--target-db", target, "--force");

        Assert.True(result.ExitCode == 0, result.ToString());
        var log = await File.ReadAllTextAsync(Path.Combine(ws.BackupDir, backup.Stem + ".restore.log"));
        var rows = backup.Manifest.Tables.Sum(t => t.Rows).ToString(CultureInfo.InvariantCulture);
        Assert.Contains($"restored '{target}' in ", log, StringComparison.Ordinal);
        Assert.Contains($"{backup.Manifest.TableCount} tables, {rows} rows, migration 6cdf0b06a3e9, verification passed", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_parallel_restore_removes_its_decompressed_copy_and_those_that_killed_restores_left()
    {
        // Arrange: copies as a restore killed with SIGKILL leaves them, for a process that no longer exists.
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ec_copies");
        var backup = await ws.BackupAsync();
        var deadPid = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), CultureInfo.InvariantCulture) - 1;
        var stale = Path.Combine(ws.BackupDir, $".lifeboat-restore-{Environment.MachineName}-{deadPid}");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, backup.ArchiveName + ".tmp"), "left by a killed restore");

        // Act
        var result = await ws.RestoreAsync("--latest", "--target-db", ws.OtherDatabaseName("copies"), "--force", "--jobs", "2");

        // Assert
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("decompressing to", result.StdOut, StringComparison.Ordinal); // two jobs: a copy was made
        Assert.False(Directory.Exists(stale), stale + " is still there");
        Assert.Empty(ws.LeftoverCopies());
    }

    [Fact]
    public async Task A_backup_finds_its_password_in_a_pgpass_file_and_its_database_in_PGDATABASE()
    {
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "pgpass");
        var passfile = ws.Folder.File("pgpass"); // outside the names lifeboat treats as backups
        await File.WriteAllTextAsync(passfile, $"{Server.Host}:{Server.Port}:*:{Server.User}:{Server.Password}\n");
        File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var env = ws.Env;
        env.Remove("PGPASSWORD");
        env["PGPASSFILE"] = passfile;

        // No -d: PGDATABASE names the database, as with psql.
        var result = await LifeboatCli.RunAsync(["backup", "--backup-dir", ws.Folder.Path], env);

        CliAssert.Succeeded(result);
        var stem = Assert.Single(ws.Folder.CompleteStems());
        Assert.StartsWith(ws.Database + "_backup_", stem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_run_command_of_a_deep_verify_gets_host_port_user_and_database_from_lifeboat_not_from_its_caller()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ec_runenv");
        await ws.BackupAsync();
        var seen = Path.Combine(ws.BackupDir, "run-env.txt");
        // Only the password comes from the environment; where to connect is given as options.
        var env = new Dictionary<string, string> { ["PGPASSWORD"] = Server.Password };

        var result = await LifeboatCli.RunAsync(["verify", "-h", Server.Host, "-p", Server.Port.ToString(CultureInfo.InvariantCulture), "-U", Server.User,
            "-d", ws.Database, "--backup-dir", ws.BackupDir, "--latest", "--deep",
            "--run", $"echo \"$PGHOST:$PGPORT:$PGUSER:$PGDATABASE\" > '{seen}'"], env);

        Assert.True(result.ExitCode == 0, result.ToString());
        var parts = File.ReadAllText(seen).Trim().Split(':');
        Assert.Equal([Server.Host, Server.Port.ToString(CultureInfo.InvariantCulture), Server.User], parts[..3]);
        Assert.StartsWith(ws.Database + "__lifeboat_verify_", parts[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_swap_that_cannot_end_the_targets_use_in_time_rolls_back_and_the_target_takes_connections_again()
    {
        // Arrange: a prepared transaction (two-phase commit) holds the target; no session ending can free it.
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ec_swapbound");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        var gid = "lifeboat-spec-" + ws.Database;
        await ws.ExecuteAsync($"BEGIN; CREATE TABLE held_by_2pc (i int); PREPARE TRANSACTION '{gid}'");
        try
        {
            // Act
            var started = DateTime.UtcNow;
            var result = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup", "--swap-timeout", "3");
            var took = DateTime.UtcNow - started;

            // Assert: refused after about the bound, with the reason; the target is as it was and takes connections.
            CliAssert.OneLineError(result, 1, "after 3 s", "prepared transaction", ws.Database);
            Assert.True(took < TimeSpan.FromSeconds(60), $"the swap was not bounded: {took}");
            Assert.Equal(before, await ws.FingerprintAsync());
            Assert.Equal("current", await ws.MarkersAsync());
            Assert.True(await Server.ScalarAsync<bool>("postgres", $"SELECT datallowconn FROM pg_database WHERE datname = {RestoreWorkspace.Literal(ws.Database)}"));
            Assert.Empty(await ws.ScratchDatabasesAsync());
        }
        finally
        {
            await ws.ExecuteAsync($"ROLLBACK PREPARED '{gid}'");
        }
    }
}
