using System.Globalization;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>
/// The scratch databases of restores and deep verifications: made with the backup's encoding and locale, and never
/// left behind for good: a killed run's leftover is dropped by the next run of that database, or by `lifeboat cleanup`.
/// </summary>
[Collection("postgres")]
public sealed class ScratchDatabaseSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    [Theory]
    [InlineData("UTF8", "C")]     // the cluster's default is C.UTF-8: another collation
    [InlineData("LATIN1", "C")]   // another encoding, which the default locale C.UTF-8 does not allow
    [InlineData("SQL_ASCII", "POSIX")]
    public async Task A_deep_verification_restores_into_a_database_with_the_backups_encoding_and_locale(string encoding, string locale)
    {
        // Arrange: a database that is not in the cluster's default encoding and locale, with text that sorts by it.
        await using var ws = await BackupWorkspace.WithDatabaseAsync(Server, "locale", $"TEMPLATE template0 ENCODING '{encoding}' LC_COLLATE '{locale}' LC_CTYPE '{locale}'");
        var seen = ws.Folder.File("scratch-locale.txt");
        await ws.ExecuteAsync("CREATE TABLE words (w text PRIMARY KEY); INSERT INTO words VALUES ('Zebra'), ('apple'), ('Mango');");
        CliAssert.Succeeded(await ws.RunBackupAsync());
        const string localeOf = "SELECT pg_encoding_to_char(encoding) || '/' || datcollate || '/' || datctype FROM pg_database WHERE datname = ";
        var original = await Server.ScalarAsync<string>("postgres", localeOf + $"'{ws.Database}'"); // PostgreSQL spells POSIX as C
        Assert.StartsWith(encoding + "/", original, StringComparison.Ordinal);

        // Act
        var result = await LifeboatCli.RunAsync(["verify", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--deep", "--run",
            $"psql -X -Atc \"{localeOf.Replace("\"", "\\\"")}current_database()\" > '{seen}'"], ws.Env);

        // Assert: it passed, and the scratch database had the backup's encoding and locale, as a restore's staging database has.
        CliAssert.Succeeded(result);
        Assert.Contains("1 of 1 backups verified", result.StdOut, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(seen).Trim());
        var restored = ws.OtherDatabaseName("r");
        CliAssert.Succeeded(await LifeboatCli.RunAsync(["restore", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--target-db", restored, "--force"], ws.Env));
        Assert.Equal(original, await Server.ScalarAsync<string>("postgres", localeOf + $"'{restored}'"));
        Assert.Equal("Mango,Zebra,apple", await Server.ScalarAsync<string>(restored, "SELECT string_agg(w, ',' ORDER BY w) FROM words"));
    }

    [Fact]
    public async Task A_staging_database_left_by_a_killed_restore_is_dropped_by_the_next_restore_which_says_so_in_its_log()
    {
        // Arrange: a restore killed (with everything it started) while it loads the staging database.
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "killedstage");
        var backup = await ws.BackupAsync();
        var leftover = await KilledRestoreLeftoverAsync(ws);

        // Act
        var result = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup");

        // Assert: restored, the leftover is gone, and the restore log says what was dropped and why.
        CliAssert.Succeeded(result);
        Assert.False(await ws.DatabaseExistsAsync(leftover));
        Assert.Empty(await ws.ScratchDatabasesAsync());
        var log = File.ReadAllText(Path.Combine(ws.BackupDir, backup.Stem + ".restore.log"));
        Assert.Contains($"dropped {leftover}, a scratch database left by a run that is gone", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cleanup_lists_what_killed_runs_left_with_dry_run_and_removes_it_without()
    {
        // Arrange: a killed restore's staging database, and a decompressed copy whose process is gone.
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "cleanup");
        await ws.BackupAsync();
        var leftover = await KilledRestoreLeftoverAsync(ws);
        var deadPid = await PidOfAFinishedProcessAsync();
        var staleCopy = Path.Combine(ws.BackupDir, $".lifeboat-restore-{Environment.MachineName}-{deadPid}");
        Directory.CreateDirectory(staleCopy);
        await File.WriteAllTextAsync(Path.Combine(staleCopy, "x.dump.zst.tmp"), "a decompressed copy");
        string[] cleanup = ["cleanup", "-d", ws.Database, "--backup-dir", ws.BackupDir];

        // Act
        var dryRun = await LifeboatCli.RunAsync([.. cleanup, "--dry-run"], ws.Env);

        // Assert: both are listed as left by runs that are gone, and nothing was removed.
        CliAssert.Succeeded(dryRun);
        Assert.Contains($"would remove scratch database {leftover}", dryRun.StdOut, StringComparison.Ordinal);
        Assert.Contains($"would remove decompressed copy {staleCopy}", dryRun.StdOut, StringComparison.Ordinal);
        Assert.True(await ws.DatabaseExistsAsync(leftover));
        Assert.True(Directory.Exists(staleCopy));

        // Act
        var real = await LifeboatCli.RunAsync(cleanup, ws.Env);

        // Assert
        CliAssert.Succeeded(real);
        Assert.Contains($"dropped scratch database {leftover}", real.StdOut, StringComparison.Ordinal);
        Assert.False(await ws.DatabaseExistsAsync(leftover));
        Assert.False(Directory.Exists(staleCopy));
    }

    [Fact]
    public async Task Cleanup_keeps_the_scratch_database_of_a_run_that_is_still_going_whatever_database_that_run_is_connected_to()
    {
        // Arrange: a deep verification whose --run command is still running, so its scratch database is in use; it works
        // from another maintenance database than cleanup's (advisory locks are per database: liveness must not be).
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "livescratch");
        await ws.BackupAsync();
        var maintenance = ws.OtherDatabaseName("maint");
        await Server.ExecuteAsync("postgres", $"CREATE DATABASE \"{maintenance}\"");
        var release = Path.Combine(ws.BackupDir, "release");
        await using var verify = await LifeboatCli.StartAsync(["verify", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--latest", "--deep",
            "--maintenance-db", maintenance, "--run", $"while [ ! -e '{release}' ]; do sleep 0.1; done"], ws.Env);
        Assert.True(await verify.WaitForOutputAsync("running: ", TimeSpan.FromMinutes(2)), verify.StdOutSoFar + verify.StdErrSoFar);
        var live = Assert.Single(await ws.VerifyScratchDatabasesAsync());

        // Act
        var result = await LifeboatCli.RunAsync(["cleanup", "-d", ws.Database, "--backup-dir", ws.BackupDir], ws.Env);

        // Assert: listed as in use, not dropped; the verification then finishes and drops it itself.
        CliAssert.Succeeded(result);
        Assert.Contains($"keeping scratch database {live}", result.StdOut, StringComparison.Ordinal);
        Assert.True(await ws.DatabaseExistsAsync(live));
        await File.WriteAllTextAsync(release, "");
        var verified = await verify.WaitAsync(TimeSpan.FromMinutes(2));
        CliAssert.Succeeded(verified);
        Assert.Empty(await ws.VerifyScratchDatabasesAsync());
    }

    /// <summary>Starts a restore, kills it and everything it started while it loads; returns the staging database it left.</summary>
    static async Task<string> KilledRestoreLeftoverAsync(RestoreWorkspace ws)
    {
        await using (var restore = await ws.StartRestoreAsync("--latest", "--force", "--no-safety-backup", "--jobs", "1"))
        {
            Assert.True(await restore.WaitForOutputAsync("restoring with pg_restore", TimeSpan.FromMinutes(2)), restore.StdOutSoFar + restore.StdErrSoFar);
            restore.Kill();
            await restore.WaitAsync(TimeSpan.FromSeconds(30));
        }
        var scratch = await ws.ScratchDatabasesAsync();
        return Assert.Single(scratch);
    }

    static async Task<int> PidOfAFinishedProcessAsync()
    {
        using var process = System.Diagnostics.Process.Start("true")!;
        await process.WaitForExitAsync();
        return process.Id;
    }
}
