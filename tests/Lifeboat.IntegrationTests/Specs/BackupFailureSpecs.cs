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
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "wrongpw");
        var env = ws.Env;
        env["PGPASSWORD"] = "not-the-password";

        // Act
        var result = await LifeboatCli.RunAsync(ws.BackupArgs(), env);

        // Assert
        CliAssert.OneLineError(result, 3, "password authentication failed", "PGPASSWORD");
        Assert.DoesNotContain("not-the-password", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(ws.Folder.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
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
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "nopw");
        using var home = BackupFolder.Create();
        var env = ws.Env;
        env.Remove("PGPASSWORD");
        env["HOME"] = home.Path;

        // Act
        var result = await LifeboatCli.RunAsync(ws.BackupArgs(), env, timeout: TimeSpan.FromMinutes(1));

        // Assert
        CliAssert.OneLineError(result, 3, "PGPASSWORD", ".pgpass");
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
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "nodump");
        using var empty = BackupFolder.Create();
        var bin = pgBin == "an empty folder" ? empty.Path : "/nonexistent/lifeboat/bin";

        // Act
        var result = await ws.RunBackupAsync("--pg-bin", bin);

        // Assert
        CliAssert.OneLineError(result, 4, "pg_dump not found", bin);
        Assert.DoesNotContain(ws.Folder.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pg_dump_older_than_the_server_is_refused_with_its_version()
    {
        // Arrange: a fake pg_dump that says it is 9.6.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "olddump");
        using var bin = FakePgBin.Create(Server);
        bin.Add("pg_dump").SaysItsVersionIs("pg_dump (PostgreSQL) 9.6.0");

        // Act
        var result = await LifeboatCli.RunAsync(ws.BackupArgs("--pg-bin", bin.Path), bin.AddTo(ws.Env));

        // Assert
        CliAssert.OneLineError(result, 4, "too old", "9.6");
        Assert.DoesNotContain(ws.Folder.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--format", "nope")]
    [InlineData("--compress", "lz4")]
    [InlineData("--retention-days", "-1")]
    [InlineData("--keep-last", "-1")]
    [InlineData("--port", "70000")]
    [InlineData("--lock-timeout", "soon")]
    [InlineData("--lock-timeout", "0")]
    [InlineData("--lock-timeout", "2h ago")]
    [InlineData("--lock-timeout", "30d")] // beyond what PostgreSQL's lock_timeout holds (about 24.8 days)
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
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "noperm");
        var parent = ws.Folder;
        using var home = BackupFolder.Create();
        File.SetUnixFileMode(parent.Path, ReadAndEnterForAll);
        File.SetUnixFileMode(home.Path, Rwx | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        // Act
        var args = ws.BackupArgs();
        var result = ExternalTool.IsRoot
            ? await ExternalTool.RunLifeboatAsUserAsync("nobody", args, ws.Env, home.Path)
            : await LifeboatCli.RunAsync(args, ws.Env);

        // Assert
        CliAssert.OneLineError(result, 1, "permission denied", parent.Path);
        Assert.Empty(parent.FileNames());
    }

    [Fact]
    public async Task A_read_only_backup_disk_is_refused_with_a_clear_message()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "readonly");
        await using var disk = await TmpfsMount.MountAsync(1 << 20, readOnly: true);

        // Act
        var result = await LifeboatCli.RunAsync(Server.BackupArgs(ws.Database, disk.Path), ws.Env);

        // Assert
        CliAssert.OneLineError(result, 1, "read-only", disk.Path);
        Assert.Empty(disk.FileNames());
    }

    [Theory]
    [InlineData(DiskData.TheFixture)] // ~100 MB
    [InlineData(DiskData.RandomBytesNeverAnalyzed)] // 8 MB in a table autovacuum never looks at: its statistics say 0 pages
    public async Task A_backup_that_cannot_fit_is_refused_before_it_starts_with_exit_code_7(DiskData data)
    {
        // Arrange: a 2 MB disk.
        await using var ws = await WorkspaceWithAsync(data, "toobig");
        await using var disk = await TmpfsMount.MountAsync(2 << 20);

        // Act
        var result = await LifeboatCli.RunAsync(Server.BackupArgs(ws.Database, disk.Path), ws.Env);

        // Assert: refused before pg_dump ran, not by a full disk halfway.
        CliAssert.OneLineError(result, 7, "is needed", "free", disk.Path);
        Assert.DoesNotContain(disk.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(DiskData.TextThatCompresses, 2, "--format", "plain", "--compress", "none")] // ~29 MB as a plain dump
    [InlineData(DiskData.RandomBytesAnalyzed, 3)] // the default: custom format through the named pipe, zstd writing the file itself
    public async Task A_disk_that_fills_up_during_the_dump_gives_exit_code_7_and_leaves_no_archive_behind(DiskData data, int diskMegabytes, params string[] options)
    {
        // Arrange: more data than the disk holds, which the pre-check estimates as fitting.
        await using var ws = await WorkspaceWithAsync(data, "fills");
        await using var disk = await TmpfsMount.MountAsync(diskMegabytes << 20);

        // Act
        var result = await LifeboatCli.RunAsync(Server.BackupArgs(ws.Database, disk.Path, options), ws.Env);

        // Assert
        CliAssert.DiskFilledDuringTheDump(result, disk.FileNames());
    }

    [Fact]
    public async Task A_backup_while_another_run_holds_the_lock_stops_at_once_with_exit_code_6()
    {
        // Arrange: another run holds the folder's lock for this database (flock, as lifeboat takes it).
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "locked");
        await using (new FileStream(ws.Folder.File($".{ws.Database}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            // Act
            var result = await LifeboatCli.RunAsync(ws.BackupArgs(), ws.Env, timeout: TimeSpan.FromMinutes(1));

            // Assert
            CliAssert.OneLineError(result, 6, "another lifeboat run", ws.Database);
            Assert.DoesNotContain(ws.Folder.FileNames(), n => n.Contains("_backup_", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_killed_backup_leaves_no_file_with_a_final_name()
    {
        // Arrange
        await using var ws = await SlowToDumpWorkspaceAsync("killed");

        // Act
        await KillWhileDumpingAsync(ws);

        // Assert: only partial files and the lock may remain.
        var final = ws.Folder.FileNames().Where(n => !n.EndsWith(".partial", StringComparison.Ordinal) && n != $".{ws.Database}.lock").ToList();
        Assert.True(final.Count == 0, "files with a final name after the kill: " + string.Join(", ", final));
        Assert.Empty(ws.Folder.CompleteStems());
    }

    [Fact]
    public async Task Ctrl_C_during_the_dump_exits_130_and_removes_the_partial_files()
    {
        // Arrange
        await using var ws = await SlowToDumpWorkspaceAsync("ctrlc");
        await using var run = await LifeboatCli.StartAsync(ws.BackupArgs(), ws.Env);
        await WaitUntilDumpingAsync(run, ws.Folder);

        // Act
        run.Interrupt();
        var result = await run.WaitAsync(TimeSpan.FromMinutes(1));

        // Assert: the line says it was cancelled and what was cleaned; only the log of the run stays.
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Contains("cancelled", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        var left = ws.Folder.FileNames().Where(n => n != $".{ws.Database}.lock").ToList();
        Assert.True(left.All(n => n.EndsWith(".log", StringComparison.Ordinal)), "left after Ctrl-C: " + string.Join(", ", left));
        Assert.Empty(ws.Folder.CompleteStems());
    }

    [Fact]
    public async Task The_backup_after_a_killed_one_succeeds_and_removes_the_partial_files()
    {
        // Arrange
        await using var ws = await SlowToDumpWorkspaceAsync("afterkill");
        await KillWhileDumpingAsync(ws);
        Assert.Contains(ws.Folder.FileNames(), n => n.EndsWith(".partial", StringComparison.Ordinal));

        // Act
        var result = await ws.RunBackupAsync();

        // Assert
        CliAssert.Succeeded(result);
        Assert.DoesNotContain(ws.Folder.FileNames(), n => n.EndsWith(".partial", StringComparison.Ordinal));
        var stem = Assert.Single(ws.Folder.CompleteStems());
        Assert.True(File.Exists(ws.Folder.File(stem + ".dump.zst")));
    }

    /// <summary>The fixture plus 3 million rows: a dump that lasts long enough to be stopped in the middle.</summary>
    async Task<BackupWorkspace> SlowToDumpWorkspaceAsync(string prefix)
    {
        var ws = await BackupWorkspace.WithFixtureDatabaseAsync(Server, prefix);
        try
        {
            await ws.ExecuteAsync("CREATE TABLE padding AS SELECT i, md5(i::text) AS h FROM generate_series(1, 3000000) i; ANALYZE padding");
            return ws;
        }
        catch
        {
            await ws.DisposeAsync();
            throw;
        }
    }

    /// <summary>What the disk specs back up.</summary>
    public enum DiskData
    {
        TheFixture,
        TextThatCompresses,
        RandomBytesAnalyzed,
        RandomBytesNeverAnalyzed,
    }

    async Task<BackupWorkspace> WorkspaceWithAsync(DiskData data, string prefix)
    {
        if (data == DiskData.TheFixture)
            return await BackupWorkspace.WithFixtureDatabaseAsync(Server, prefix);
        var ws = await BackupWorkspace.WithEmptyDatabaseAsync(Server, prefix);
        try
        {
            switch (data)
            {
                case DiskData.TextThatCompresses:
                    // 300 rows of 96 KB text: ~0.5 MB on disk (TOAST compresses it), ~29 MB as a plain dump.
                    await ws.ExecuteAsync("""
                        CREATE TABLE blobs (id int PRIMARY KEY, body text NOT NULL);
                        INSERT INTO blobs SELECT i, repeat(md5(i::text), 3000) FROM generate_series(1, 300) i;
                        """);
                    break;
                case DiskData.RandomBytesAnalyzed:
                    // ~4 MB of random bytes, analyzed (so the pre-check estimates half of it).
                    await ws.ExecuteAsync(RandomBlobs(400, 10) + "ANALYZE blobs;");
                    break;
                case DiskData.RandomBytesNeverAnalyzed:
                    await ws.ExecuteAsync(RandomBlobs(800, 10, " WITH (autovacuum_enabled = false)"));
                    Assert.True(await ws.Server.ScalarAsync<float>(ws.Database, "SELECT reltuples FROM pg_class WHERE relname = 'blobs'") < 0);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(data), data, null);
            }
            return ws;
        }
        catch
        {
            await ws.DisposeAsync();
            throw;
        }
    }

    /// <summary>Random bytes: neither TOAST nor zstd can shrink them, so the archive is about as big as the table.</summary>
    static string RandomBlobs(int rows, int kilobytes, string storage = "") => $"""
        CREATE TABLE blobs (id int PRIMARY KEY, body bytea NOT NULL){storage};
        INSERT INTO blobs SELECT i, (SELECT decode(string_agg(lpad(to_hex(floor(random() * 2147483647)::int), 8, '0'), ''), 'hex')
                                     FROM generate_series(1, {kilobytes * 256}) WHERE i > 0)
        FROM generate_series(1, {rows}) i;
        """;

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
    static async Task KillWhileDumpingAsync(BackupWorkspace ws)
    {
        await using var run = await LifeboatCli.StartAsync(ws.BackupArgs(), ws.Env);
        await WaitUntilDumpingAsync(run, ws.Folder);
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
