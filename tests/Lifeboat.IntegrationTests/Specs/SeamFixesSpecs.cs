using System.Globalization;
using System.Text.Json.Nodes;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>
/// Promises that broke at the edges: what rotation did is in the log and a failure of it is a warning; the safety backup
/// goes where the backups go; a database named like a path stays inside its folder; a missing file is called missing.
/// </summary>
[Collection("postgres")]
public sealed class SeamFixesSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    [Fact]
    public async Task The_backups_log_says_what_rotation_deleted()
    {
        // Arrange: two backups from a month ago.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "rotlog");
        var old = await MonthOldBackupsAsync(ws, 2);

        // Act
        var result = await ws.RunBackupAsync("--retention-days", "7", "--keep-last", "1");

        // Assert: both old backups are gone, and the new backup's log names their files.
        CliAssert.Succeeded(result);
        var stem = Assert.Single(ws.Folder.CompleteStems());
        var log = File.ReadAllText(ws.Folder.File(stem + ".log"));
        Assert.Contains("rotation deleted", log, StringComparison.Ordinal);
        foreach (var gone in old)
            Assert.Contains(gone + ".dump.zst", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotation_that_fails_is_a_warning_line_and_in_the_log_and_the_backup_still_succeeds()
    {
        // Arrange: a shared folder with the sticky bit (as /tmp), where old backups belong to root: another user may add
        // backups there but not delete root's. Root can delete anything, so the backup runs as 'nobody'.
        Assert.True(ExternalTool.IsRoot, "this spec makes a file only root may delete: run the suite as root, as CI does");
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "rotfail");
        var folder = ws.Folder;
        using var home = BackupFolder.Create();
        try
        {
            var old = await MonthOldBackupsAsync(ws, 1);
            foreach (var name in folder.FileNames())
                File.SetUnixFileMode(folder.File(name), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            foreach (var lockFile in Directory.GetFiles(folder.Path, ".*.lock"))
                File.Delete(lockFile);
            File.SetUnixFileMode(folder.Path, (UnixFileMode)Convert.ToInt32("1777", 8));
            File.SetUnixFileMode(home.Path, (UnixFileMode)Convert.ToInt32("0777", 8));

            // Act
            var result = await ExternalTool.RunLifeboatAsUserAsync("nobody", ws.BackupArgs("--retention-days", "7", "--keep-last", "1"), ws.Env, home.Path);

            // Assert: exit 0, one warning line that says rotation failed, the new backup complete, the old one still there.
            CliAssert.Succeeded(result);
            var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var warning = Assert.Single(lines);
            Assert.StartsWith("warning: rotation failed", warning, StringComparison.Ordinal);
            Assert.Contains("the backup itself is complete", warning, StringComparison.Ordinal);
            var stems = folder.CompleteStems();
            Assert.Equal(2, stems.Count);
            Assert.Contains(old[0], stems);
            var newest = stems.Single(s => s != old[0]);
            var log = File.ReadAllText(folder.File(newest + ".log"));
            Assert.Contains("WARN  rotation failed", log, StringComparison.Ordinal);
        }
        finally
        {
            File.SetUnixFileMode(folder.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task A_backup_into_the_seeds_own_folder_leaves_the_seeds_sql_files_alone()
    {
        // Arrange: the folder the seed's scripts filled, with their <db>_backup_<ts>.sql files (no manifest, no sidecars).
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "seedfolder");
        var seedFile = ws.Folder.File($"{ws.Database}_backup_20251024_220000.sql");
        await File.WriteAllTextAsync(seedFile, "-- PostgreSQL database dump\n-- the seed's backup\n");

        // Act: a backup, with rotation of everything older than a day.
        var result = await ws.RunBackupAsync("--retention-days", "1", "--keep-last", "1");

        // Assert: the seed's file is still there, unchanged; lifeboat's own backup is next to it.
        CliAssert.Succeeded(result);
        Assert.Equal("-- PostgreSQL database dump\n-- the seed's backup\n", await File.ReadAllTextAsync(seedFile));
        Assert.Single(ws.Folder.CompleteStems());
    }

    [Fact]
    public async Task The_safety_backup_of_a_restore_from_a_file_elsewhere_goes_into_the_backup_folder()
    {
        // Arrange: a backup moved out of the backup folder, to a folder of its own.
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "safetyhome");
        var backup = await ws.BackupAsync();
        var elsewhere = Directory.CreateTempSubdirectory("lifeboat-elsewhere-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(ws.BackupDir, backup.Stem + ".*"))
                File.Move(file, Path.Combine(elsewhere, Path.GetFileName(file)));

            // Act
            var result = await ws.RestoreAsync("--file", Path.Combine(elsewhere, backup.ArchiveName), "--force");

            // Assert: the pre-restore backup is in --backup-dir, and nothing new was written beside the moved backup.
            CliAssert.Succeeded(result);
            var safety = Assert.Single(ws.Backups());
            Assert.Equal("pre-restore", safety.Manifest.Label);
            Assert.All(Directory.GetFiles(elsewhere, "*.json"), f => Assert.Equal(backup.Stem + ".json", Path.GetFileName(f)));
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("a/b\\c")]
    [InlineData(".hidden")]
    [InlineData("100% sure: yes?")]
    public async Task A_database_named_like_a_path_backs_up_lists_and_restores_under_its_own_name(string name)
    {
        // Arrange: the backup folder inside the workspace's folder, so that a file written outside it would show.
        await using var ws = await BackupWorkspace.WithDatabaseAsync(Server, name, "");
        await ws.ExecuteAsync("CREATE TABLE notes (id int PRIMARY KEY); INSERT INTO notes SELECT generate_series(1, 42);");
        var folder = ws.Folder.Sub("backups");

        // Act
        var backup = await LifeboatCli.RunAsync(Server.BackupArgs(ws.Database, folder), ws.Env);
        var list = await LifeboatCli.RunAsync(["list", "--backup-dir", folder, "--json"], ws.Env);
        await ws.ExecuteAsync("DELETE FROM notes");
        var restore = await LifeboatCli.RunAsync(["restore", "-d", ws.Database, "--backup-dir", folder, "--latest", "--force", "--no-safety-backup"], ws.Env);

        // Assert: every file is directly in the folder, none hidden but the lock; the list names the database as it is.
        CliAssert.Succeeded(backup);
        Assert.Equal(["backups"], Directory.GetFileSystemEntries(ws.Folder.Path).Select(p => Path.GetFileName(p)).ToArray());
        Assert.Empty(Directory.GetDirectories(folder));
        Assert.All(Directory.GetFiles(folder).Select(Path.GetFileName), f => Assert.True(!f!.StartsWith('.') || f.EndsWith(".lock", StringComparison.Ordinal), f));
        CliAssert.Succeeded(list);
        var listed = Assert.Single(JsonNode.Parse(list.StdOut)!.AsArray());
        Assert.Equal(ws.Database, (string)listed!["database"]!);
        Assert.Equal("complete", (string)listed["state"]!);
        CliAssert.Succeeded(restore);
        Assert.Equal(42L, await Server.ScalarAsync<long>(ws.Database, "SELECT count(*) FROM notes"));
    }

    [Fact]
    public async Task Restoring_a_file_that_does_not_exist_says_so_and_not_that_the_folder_is_missing()
    {
        // Arrange: no ./backups where the command runs.
        using var cwd = BackupFolder.Create();
        var absent = Path.Combine(cwd.Path, "nowhere", "shop_backup_20251024_220000.dump.zst");

        // Act
        var result = await LifeboatCli.RunAsync(["restore", "--file", absent, "--force"], Server.ClientEnvironment("postgres"), workingDirectory: cwd.Path);

        // Assert
        CliAssert.OneLineError(result, 1, absent, "does not exist");
        Assert.DoesNotContain("backup folder", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_login_leaves_no_backup_folder_behind()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "nologin");
        var folder = ws.Folder.Sub("new-backups");
        var env = ws.Env;
        env["PGPASSWORD"] = "wrong";

        // Act
        var result = await LifeboatCli.RunAsync(Server.BackupArgs(ws.Database, folder), env);

        // Assert
        CliAssert.OneLineError(result, 3, "password authentication failed");
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Restore_verify_prune_check_and_cleanup_print_their_result_as_json()
    {
        // Arrange
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "jsonout");
        var backup = await ws.BackupAsync();

        // Act
        var verify = await ws.VerifyAsync("--latest", "--json");
        var restore = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup", "--json");
        var prune = await LifeboatCli.RunAsync(["prune", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--dry-run", "--json"], ws.Env);
        var check = await LifeboatCli.RunAsync(["check", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--json"], ws.Env);
        var cleanup = await LifeboatCli.RunAsync(["cleanup", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--json"], ws.Env);

        // Assert: each is one JSON document on stdout that says what a script needs.
        CliAssert.Succeeded(verify);
        var v = JsonNode.Parse(verify.StdOut)!.AsObject();
        Assert.True((bool)v["passed"]!);
        Assert.Equal(backup.Stem, (string)v["backups"]![0]!["stem"]!);

        CliAssert.Succeeded(restore);
        var r = JsonNode.Parse(restore.StdOut)!.AsObject();
        Assert.Equal(ws.Database, (string)r["database"]!);
        Assert.Equal(backup.Stem, (string)r["backup"]!);
        Assert.Equal(backup.Manifest.TableCount, (int)r["tables"]!);
        Assert.Equal(backup.Manifest.Tables.Sum(t => t.Rows), (long)r["rows"]!);

        CliAssert.Succeeded(prune);
        var p = JsonNode.Parse(prune.StdOut)!.AsObject();
        Assert.True((bool)p["dryRun"]!);
        Assert.Equal(ws.Database, (string)p["databases"]![0]!["database"]!);
        Assert.Empty(p["databases"]![0]!["delete"]!.AsArray());

        Assert.Equal(0, check.ExitCode);
        var c = JsonNode.Parse(check.StdOut)!.AsObject();
        Assert.Equal("ok", (string)c["status"]!);
        Assert.StartsWith("OK - ", (string)c["line"]!, StringComparison.Ordinal);

        CliAssert.Succeeded(cleanup);
        Assert.Empty(JsonNode.Parse(cleanup.StdOut)!["items"]!.AsArray());
    }

    [Fact]
    public async Task With_json_the_run_commands_output_goes_to_stderr_and_stdout_stays_one_json_document()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "jsonrun");
        CliAssert.Succeeded(await ws.RunBackupAsync());

        // Act
        var result = await LifeboatCli.RunAsync(["verify", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--deep", "--json",
            "--run", "echo hello-from-the-tests; psql -X -Atc 'select count(*) from notes'"], ws.Env);

        // Assert: the command ran against the scratch database (its output is on stderr), and stdout parses as JSON.
        CliAssert.Succeeded(result);
        Assert.Contains("hello-from-the-tests", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("100", result.StdErr, StringComparison.Ordinal);
        Assert.True((bool)JsonNode.Parse(result.StdOut)!["passed"]!);
    }

    /// <summary>Takes <paramref name="count"/> backups and dates them 30+ days back (oldest first); returns their stems.</summary>
    static async Task<IReadOnlyList<string>> MonthOldBackupsAsync(BackupWorkspace ws, int count)
    {
        var folder = ws.Folder;
        for (var i = 0; i < count; i++)
            CliAssert.Succeeded(await ws.RunBackupAsync("--no-prune"));
        var stems = folder.CompleteStems();
        Assert.Equal(count, stems.Count);
        for (var i = 0; i < count; i++)
            folder.Backdate(stems[i], DateTimeOffset.Now.AddDays(-30 - (count - i)));
        return stems;
    }
}
