using System.Globalization;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>Each way a backup can fail, produced for real: the exit code, one clear line, and nothing half-written left behind.</summary>
[Collection("postgres")]
public sealed class BackupFailureSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    const UnixFileMode Rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const UnixFileMode ReadAndEnterForAll = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead
        | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    [Fact]
    public async Task A_wrong_password_is_refused_with_exit_code_3_and_a_clear_message()
    {
        // Arrange
        var database = await Server.CreateSmallDatabaseAsync("wrongpw");
        using var folder = BackupFolder.Create();
        var env = Server.ClientEnvironment(database);
        env["PGPASSWORD"] = "not-the-password";
        try
        {
            // Act
            var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, folder.Path), env);

            // Assert
            CliAssert.OneLineError(result, 3, "password authentication failed", "PGPASSWORD");
            Assert.DoesNotContain("not-the-password", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(folder.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_database_that_does_not_exist_is_named_in_the_error()
    {
        // Arrange
        using var folder = BackupFolder.Create();
        const string missing = "no_such_database_here";

        // Act
        var result = await LifeboatCli.RunAsync(Server.BackupArgs(missing, folder.Path), Server.ClientEnvironment("postgres"));

        // Assert
        CliAssert.OneLineError(result, 3, missing, "does not exist");
        Assert.DoesNotContain(folder.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_password_and_without_a_terminal_the_error_names_PGPASSWORD_and_pgpass()
    {
        // Arrange: no PGPASSWORD, and a home without .pgpass.
        var database = await Server.CreateSmallDatabaseAsync("nopw");
        using var folder = BackupFolder.Create();
        using var home = BackupFolder.Create();
        var env = Server.ClientEnvironment(database);
        env.Remove("PGPASSWORD");
        env["HOME"] = home.Path;
        try
        {
            // Act
            var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, folder.Path), env, timeout: TimeSpan.FromMinutes(1));

            // Assert
            CliAssert.OneLineError(result, 3, "PGPASSWORD", ".pgpass");
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_port_nothing_listens_on_gives_connection_refused_and_exit_code_3()
    {
        // Arrange
        using var folder = BackupFolder.Create();
        var port = DatabaseHelpers.UnusedPort();

        // Act
        var result = await LifeboatCli.RunAsync(
            ["backup", "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "anything", "--backup-dir", folder.Path],
            new Dictionary<string, string> { ["PGPASSWORD"] = "whatever" }, timeout: TimeSpan.FromMinutes(1));

        // Assert
        CliAssert.OneLineError(result, 3, "connection refused", port.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("an empty folder")]
    [InlineData("a folder that does not exist")]
    public async Task A_pg_bin_without_pg_dump_fails_with_exit_code_4_and_says_pg_dump_is_missing(string pgBin)
    {
        // Arrange
        var database = await Server.CreateSmallDatabaseAsync("nodump");
        using var folder = BackupFolder.Create();
        using var empty = BackupFolder.Create();
        var bin = pgBin == "an empty folder" ? empty.Path : "/nonexistent/lifeboat/bin";
        try
        {
            // Act
            var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, folder.Path, "--pg-bin", bin), Server.ClientEnvironment(database));

            // Assert
            CliAssert.OneLineError(result, 4, "pg_dump not found", bin);
            Assert.DoesNotContain(folder.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_pg_dump_older_than_the_server_is_refused_with_its_version()
    {
        // Arrange: a fake pg_dump that says it is 9.6.
        var database = await Server.CreateSmallDatabaseAsync("olddump");
        using var folder = BackupFolder.Create();
        using var bin = BackupFolder.Create();
        var fake = bin.File("pg_dump");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.0'\n");
        File.SetUnixFileMode(fake, Rwx);
        try
        {
            // Act
            var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, folder.Path, "--pg-bin", bin.Path), Server.ClientEnvironment(database));

            // Assert
            CliAssert.OneLineError(result, 4, "too old", "9.6");
            Assert.DoesNotContain(folder.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Theory]
    [InlineData("--format", "nope")]
    [InlineData("--compress", "lz4")]
    [InlineData("--retention-days", "-1")]
    [InlineData("--keep-last", "-1")]
    [InlineData("--port", "70000")]
    public async Task A_bad_option_value_is_a_usage_error_on_one_line_without_a_stack_trace(string option, string value)
    {
        // Arrange
        using var folder = BackupFolder.Create();

        // Act
        var result = await LifeboatCli.RunAsync(["backup", "--backup-dir", folder.Path, option, value], timeout: TimeSpan.FromMinutes(1));

        // Assert
        CliAssert.OneLineError(result, 2, option);
        Assert.Empty(folder.FileNames());
    }

    [Fact]
    public async Task A_folder_I_may_not_write_to_is_refused_with_permission_denied()
    {
        // Arrange: root writes anywhere, so the CLI runs as 'nobody' when the tests run as root.
        var database = await Server.CreateSmallDatabaseAsync("noperm");
        using var parent = BackupFolder.Create();
        using var home = BackupFolder.Create();
        File.SetUnixFileMode(parent.Path, ReadAndEnterForAll);
        File.SetUnixFileMode(home.Path, Rwx | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        try
        {
            // Act
            var args = Server.BackupArgs(database, parent.Path);
            var result = ExternalTool.IsRoot
                ? await ExternalTool.RunLifeboatAsUserAsync("nobody", args, Server.ClientEnvironment(database), home.Path)
                : await LifeboatCli.RunAsync(args, Server.ClientEnvironment(database));

            // Assert
            CliAssert.OneLineError(result, 1, "permission denied", parent.Path);
            Assert.Empty(parent.FileNames());
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_read_only_backup_disk_is_refused_with_a_clear_message()
    {
        // Arrange
        var database = await Server.CreateSmallDatabaseAsync("readonly");
        await using var disk = await TmpfsMount.MountAsync(1 << 20, readOnly: true);
        try
        {
            // Act
            var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, disk.Path), Server.ClientEnvironment(database));

            // Assert
            CliAssert.OneLineError(result, 1, "read-only", disk.Path);
            Assert.Empty(disk.FileNames());
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_backup_that_cannot_fit_is_refused_before_it_starts_with_exit_code_7()
    {
        // Arrange: the 100 MB fixture and a 2 MB disk.
        var database = await Server.CreateDatabaseFromTemplateAsync("toobig");
        await using var disk = await TmpfsMount.MountAsync(2 << 20);
        try
        {
            // Act
            var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, disk.Path), Server.ClientEnvironment(database));

            // Assert
            CliAssert.OneLineError(result, 7, "is needed", "free", disk.Path);
            Assert.DoesNotContain(disk.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_disk_that_fills_up_during_the_dump_gives_exit_code_7_and_leaves_no_archive_behind()
    {
        // Arrange: 300 rows of 96 KB text: ~0.5 MB on disk (TOAST compresses it), ~29 MB as a plain dump.
        var database = await Server.CreateEmptyDatabaseAsync("fills");
        await Server.ExecuteAsync(database, """
            CREATE TABLE blobs (id int PRIMARY KEY, body text NOT NULL);
            INSERT INTO blobs SELECT i, repeat(md5(i::text), 3000) FROM generate_series(1, 300) i;
            """);
        await using var disk = await TmpfsMount.MountAsync(2 << 20);
        try
        {
            // Act
            var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, disk.Path, "--format", "plain", "--compress", "none"),
                Server.ClientEnvironment(database));

            // Assert
            CliAssert.DiskFilledDuringTheDump(result, disk.FileNames());
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_backup_while_another_run_holds_the_lock_stops_at_once_with_exit_code_6()
    {
        // Arrange: another run holds the folder's lock for this database (flock, as lifeboat takes it).
        var database = await Server.CreateSmallDatabaseAsync("locked");
        using var folder = BackupFolder.Create();
        try
        {
            await using (new FileStream(folder.File($".{database}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            {
                // Act
                var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, folder.Path), Server.ClientEnvironment(database),
                    timeout: TimeSpan.FromMinutes(1));

                // Assert
                CliAssert.OneLineError(result, 6, "another lifeboat run", database);
                Assert.DoesNotContain(folder.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
            }
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_killed_backup_leaves_no_file_with_a_final_name()
    {
        // Arrange
        var database = await CreateSlowToDumpDatabaseAsync("killed");
        using var folder = BackupFolder.Create();
        try
        {
            // Act
            await KillWhileDumpingAsync(database, folder);

            // Assert: only partial files and the lock may remain.
            var final = folder.FileNames().Where(n => !n.EndsWith(".partial", StringComparison.Ordinal) && n != $".{database}.lock").ToList();
            Assert.True(final.Count == 0, "files with a final name after the kill: " + string.Join(", ", final));
            Assert.Empty(folder.CompleteStems());
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Ctrl_C_during_the_dump_exits_130_and_removes_the_partial_files()
    {
        // Arrange
        var database = await CreateSlowToDumpDatabaseAsync("ctrlc");
        using var folder = BackupFolder.Create();
        try
        {
            await using var run = await LifeboatCli.StartAsync(Server.BackupArgs(database, folder.Path), Server.ClientEnvironment(database));
            await WaitUntilDumpingAsync(run, folder);

            // Act
            run.Interrupt();
            var result = await run.WaitAsync(TimeSpan.FromMinutes(1));

            // Assert: the line says it was cancelled and what was cleaned; only the log of the run stays.
            Assert.True(result.ExitCode == 130, result.ToString());
            Assert.Contains("cancelled", result.StdErr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
            var left = folder.FileNames().Where(n => n != $".{database}.lock").ToList();
            Assert.True(left.All(n => n.EndsWith(".log", StringComparison.Ordinal)), "left after Ctrl-C: " + string.Join(", ", left));
            Assert.Empty(folder.CompleteStems());
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task The_backup_after_a_killed_one_succeeds_and_removes_the_partial_files()
    {
        // Arrange
        var database = await CreateSlowToDumpDatabaseAsync("afterkill");
        using var folder = BackupFolder.Create();
        try
        {
            await KillWhileDumpingAsync(database, folder);
            Assert.Contains(folder.FileNames(), n => n.EndsWith(".partial", StringComparison.Ordinal));

            // Act
            var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, folder.Path), Server.ClientEnvironment(database));

            // Assert
            CliAssert.Succeeded(result);
            Assert.DoesNotContain(folder.FileNames(), n => n.EndsWith(".partial", StringComparison.Ordinal));
            var stem = Assert.Single(folder.CompleteStems());
            Assert.True(File.Exists(folder.File(stem + ".dump.zst")));
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    /// <summary>The fixture plus 3 million rows: a dump that lasts long enough to be stopped in the middle.</summary>
    async Task<string> CreateSlowToDumpDatabaseAsync(string prefix)
    {
        var database = await Server.CreateDatabaseFromTemplateAsync(prefix);
        await Server.ExecuteAsync(database, "CREATE TABLE padding AS SELECT i, md5(i::text) AS h FROM generate_series(1, 3000000) i; ANALYZE padding");
        return database;
    }

    /// <summary>The command names (/proc/N/comm) of the direct children of a process.</summary>
    static HashSet<string> ChildNames(int parent)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[1] == parent.ToString(CultureInfo.InvariantCulture))
                    names.Add(File.ReadAllText(Path.Combine(dir, "comm")).Trim());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // not a process, or gone meanwhile
        }
        return names;
    }

    /// <summary>Starts a backup and SIGKILLs it (and pg_dump) once the archive is being written.</summary>
    async Task KillWhileDumpingAsync(string database, BackupFolder folder)
    {
        await using var run = await LifeboatCli.StartAsync(Server.BackupArgs(database, folder.Path), Server.ClientEnvironment(database));
        await WaitUntilDumpingAsync(run, folder);
        run.Kill();
        await run.Process.WaitForExitAsync();
    }

    /// <summary>Returns once the archive is being written, failing the test if the backup ends first.</summary>
    static async Task WaitUntilDumpingAsync(CliProcess run, BackupFolder folder)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!run.Process.HasExited && DateTime.UtcNow < deadline)
        {
            // The dump is under way once zstd runs (it writes the partial file in chunks of megabytes, so the file's
            // size says nothing until late).
            var archive = folder.FileNames().FirstOrDefault(n => n.EndsWith(".dump.zst.partial", StringComparison.Ordinal));
            if (archive is not null && ChildNames(run.Process.Id).Contains("zstd"))
                break;
            await Task.Delay(5);
        }
        Assert.False(run.Process.HasExited, $"the backup ended before it could be stopped\n{run.StdOutSoFar}{run.StdErrSoFar}");
    }
}
