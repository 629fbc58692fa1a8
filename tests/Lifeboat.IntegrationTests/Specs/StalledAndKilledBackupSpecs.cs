using System.Diagnostics;
using System.Globalization;
using Lifeboat.IntegrationTests.Support;
using Npgsql;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>
/// What a new user hits when a backup cannot go on (issue 25): a dump stalled behind another session's lock, the log of
/// a run that was stopped or killed, the lock a killed run left behind. Each with the real CLI and a real blocking session.
/// </summary>
[Collection("postgres")]
public sealed class StalledAndKilledBackupSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    const string WaitingForTheLock = "pg_dump: reading user-defined tables";

    [Fact]
    public async Task A_dump_stalled_behind_another_sessions_lock_stops_after_lock_timeout_and_names_that_session()
    {
        // Arrange: a migration's session holds an ACCESS EXCLUSIVE lock on the table, idle in its open transaction.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "stalled");
        await using var migration = await HoldLockAsync(ws);
        var blocker = migration.ProcessID;

        // Act
        var clock = Stopwatch.StartNew();
        var result = await LifeboatCli.RunAsync(ws.BackupArgs("--lock-timeout", "2s"), ws.Env, timeout: TimeSpan.FromMinutes(1));

        // Assert: well before the default 30 s, one line naming the session (pid, user, since when), what to do, and the log by its path.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}\n{result}");
        var log = ws.Folder.SingleFileEndingWith(".log");
        CliAssert.OneLineError(result, 1, "waited 2.0 s for a lock", $"pid {blocker}", "user 'postgres'", "idle in transaction",
            "its transaction started", $"pg_terminate_backend({blocker})", "--lock-timeout", log);
        Assert.DoesNotContain(Server.Password, result.Output, StringComparison.Ordinal);
        Assert.Empty(ws.Folder.CompleteStems());
        Assert.DoesNotContain(ws.Folder.FileNames(), n => n.EndsWith(".partial", StringComparison.Ordinal));
        Assert.Contains($"pid {blocker}", File.ReadAllText(log), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dump_stalled_behind_a_prepared_transactions_lock_names_the_prepared_transaction()
    {
        // Arrange: a two-phase transaction, prepared and never committed, holds the table: no session has it
        // (pg_blocking_pids says pid 0), so pg_stat_activity has no row for the holder.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "stalled2pc");
        var gid = "lifeboat-spec-" + ws.Database;
        await ws.ExecuteAsync($"BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE; PREPARE TRANSACTION '{gid}'");
        try
        {
            // Act
            var result = await LifeboatCli.RunAsync(ws.BackupArgs("--lock-timeout", "2s"), ws.Env, timeout: TimeSpan.FromMinutes(1));

            // Assert
            CliAssert.OneLineError(result, 1, "waited 2.0 s for a lock", "prepared transaction", "pg_prepared_xacts");
            Assert.Empty(ws.Folder.CompleteStems());
        }
        finally
        {
            await ws.ExecuteAsync($"ROLLBACK PREPARED '{gid}'");
        }
    }

    [Fact]
    public async Task The_log_stamps_each_pg_dump_line_when_pg_dump_wrote_it()
    {
        // Arrange: pg_dump writes its first lines at once, then waits 3 s for the lock before it writes its error.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "stamps");
        await using var migration = await HoldLockAsync(ws);

        // Act
        var result = await LifeboatCli.RunAsync(ws.BackupArgs("--lock-timeout", "3"), ws.Env, timeout: TimeSpan.FromMinutes(1));

        // Assert: the line written before the wait is stamped about 3 s before the error that ended it.
        Assert.Equal(1, result.ExitCode);
        var lines = File.ReadAllLines(ws.Folder.SingleFileEndingWith(".log"));
        var before = StampOf(lines.First(l => l.Contains(WaitingForTheLock, StringComparison.Ordinal)));
        var after = StampOf(lines.First(l => l.Contains("pg_dump: error:", StringComparison.Ordinal)));
        Assert.True(after - before >= TimeSpan.FromSeconds(2.5), $"stamped {before:O} and {after:O}\n{string.Join('\n', lines)}");
    }

    [Fact]
    public async Task Ctrl_C_while_pg_dump_waits_keeps_what_pg_dump_said_in_the_log()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "ctrlclog");
        await using var migration = await HoldLockAsync(ws);
        await using var run = await LifeboatCli.StartAsync(ws.BackupArgs("--lock-timeout", "2m"), ws.Env);
        await WaitUntilTheLogSaysAsync(run, ws.Folder, WaitingForTheLock);

        // Act
        run.Interrupt();
        var result = await run.WaitAsync(TimeSpan.FromMinutes(1));

        // Assert
        Assert.True(result.ExitCode == 130, result.ToString());
        var log = File.ReadAllText(ws.Folder.SingleFileEndingWith(".log"));
        Assert.Contains(WaitingForTheLock, log, StringComparison.Ordinal);
        Assert.Contains("cancelled", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_run_after_a_killed_one_keeps_its_log_and_says_that_it_took_over_its_lock()
    {
        // Arrange: a backup waiting for the lock is killed (kill -9, with its pg_dump); then the lock is released.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "killedlog");
        int killed;
        string partial;
        await using (await HoldLockAsync(ws))
        {
            await using var run = await LifeboatCli.StartAsync(ws.BackupArgs("--lock-timeout", "2m"), ws.Env);
            partial = await WaitUntilTheLogSaysAsync(run, ws.Folder, WaitingForTheLock);
            killed = run.Process.Id;
            run.Kill();
            await run.Process.WaitForExitAsync();
        }

        // Act
        var result = await ws.RunBackupAsync();

        // Assert: the backup succeeds; the killed run's log has its final name, what pg_dump said, and a line saying it died.
        CliAssert.Succeeded(result);
        var warning = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var keptLog = ws.Folder.File(Path.GetFileName(partial)[..^".partial".Length]);
        Assert.Equal($"warning: a previous run (pid {killed}) died; its lock was taken over and its log kept as {keptLog}", warning);
        Assert.DoesNotContain(ws.Folder.FileNames(), n => n.EndsWith(".partial", StringComparison.Ordinal));
        var killedLog = File.ReadAllText(keptLog);
        Assert.Contains(WaitingForTheLock, killedLog, StringComparison.Ordinal);
        Assert.Contains($"WARN  the run that wrote this log (pid {killed}) died before it finished", killedLog, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keptLog));
        var stem = Assert.Single(ws.Folder.CompleteStems());
        Assert.Contains($"WARN  a previous run (pid {killed}) died; its lock was taken over", File.ReadAllText(ws.Folder.File(stem + ".log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lock_file_left_with_the_pid_of_a_dead_process_is_reported_and_taken_over()
    {
        // Arrange: the lock file as a run that died holding it leaves it, with the pid of a process that has exited.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "deadpid");
        var dead = await DeadPidAsync();
        var lockFile = ws.Folder.File($".{ws.Database}.lock");
        File.WriteAllText(lockFile, $"lifeboat pid {dead}\n");

        // Act
        var result = await ws.RunBackupAsync();

        // Assert: a warning line on stderr and in the log; the backup is made; the lock file is emptied at the end.
        CliAssert.Succeeded(result);
        Assert.Equal($"warning: a previous run (pid {dead}) died; its lock was taken over", Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var stem = Assert.Single(ws.Folder.CompleteStems());
        Assert.Contains($"WARN  a previous run (pid {dead}) died; its lock was taken over", File.ReadAllText(ws.Folder.File(stem + ".log")), StringComparison.Ordinal);
        Assert.Equal("", File.ReadAllText(lockFile));

        // …and the next run, after that orderly end, has nothing to report.
        var next = await ws.RunBackupAsync();
        CliAssert.Succeeded(next);
        Assert.Equal("", next.StdErr);
    }

    [Fact]
    public async Task A_lock_file_of_an_earlier_version_with_a_bare_pid_is_not_reported()
    {
        // Arrange: earlier versions wrote the bare pid and never emptied the file, whether the run died or not.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "barepid");
        File.WriteAllText(ws.Folder.File($".{ws.Database}.lock"), (await DeadPidAsync()).ToString(CultureInfo.InvariantCulture));

        // Act
        var result = await ws.RunBackupAsync();

        // Assert
        CliAssert.Succeeded(result);
        Assert.Equal("", result.StdErr);
    }

    [Fact]
    public async Task A_failed_pg_dump_is_reported_with_the_full_path_of_the_log_that_has_its_output()
    {
        // Arrange: a pg_dump that does its work, then fails.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "dumpfails");
        using var bin = FakePgBin.Create(Server);
        bin.Add("pg_dump").ThenFails(1, "pg_dump: error: the fake pg_dump gave up");

        // Act
        var result = await LifeboatCli.RunAsync(ws.BackupArgs("--pg-bin", bin.Path), bin.AddTo(ws.Env));

        // Assert
        var log = ws.Folder.SingleFileEndingWith(".log");
        CliAssert.OneLineError(result, 4, "pg_dump failed", "the fake pg_dump gave up", $"see {log} for pg_dump's full output");
        Assert.Contains("pg_dump: error: the fake pg_dump gave up", File.ReadAllText(log), StringComparison.Ordinal);
    }

    /// <summary>
    /// A second session, as a migration left in its transaction: ACCESS EXCLUSIVE on the table, idle in transaction.
    /// The table is analyzed first, so lifeboat's size estimate reads statistics and the wait is pg_dump's.
    /// </summary>
    async Task<NpgsqlConnection> HoldLockAsync(BackupWorkspace ws)
    {
        await ws.ExecuteAsync("ANALYZE notes");
        var connection = new NpgsqlConnection(Server.ConnectionString(ws.Database));
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE", connection);
        await cmd.ExecuteNonQueryAsync();
        return connection;
    }

    /// <summary>
    /// Waits until the run's .log.partial has <paramref name="text"/> (so its lines are written as they come); returns its
    /// path. Read by cat: the run holds the partial with an exclusive flock, which .NET's own reads respect.
    /// </summary>
    static async Task<string> WaitUntilTheLogSaysAsync(CliProcess run, BackupFolder folder, string text)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!run.Process.HasExited && DateTime.UtcNow < deadline)
        {
            var partial = folder.FileNames().FirstOrDefault(n => n.EndsWith(".log.partial", StringComparison.Ordinal));
            if (partial is not null && (await ExternalTool.RunAsync("cat", [folder.File(partial)])).StdOut.Contains(text, StringComparison.Ordinal))
                return folder.File(partial);
            await Task.Delay(50);
        }
        Assert.Fail($"the log never said '{text}' while the backup ran\n{run.StdOutSoFar}{run.StdErrSoFar}\n{string.Join(", ", folder.FileNames())}");
        return "";
    }

    /// <summary>The pid of a process that has exited (and been reaped).</summary>
    static async Task<int> DeadPidAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return process.Id;
    }

    static DateTimeOffset StampOf(string line) =>
        DateTimeOffset.ParseExact(line[..line.IndexOf(' ', StringComparison.Ordinal)], "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
}
