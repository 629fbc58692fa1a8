using System.Globalization;
using System.Text.Json.Nodes;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>`lifeboat status` for a person and `lifeboat check` for a monitoring system, in real situations.</summary>
[Collection("postgres")]
public sealed class StatusAndCheckSpecs(ClusterFixture cluster)
{
    const string FixtureMigration = "6cdf0b06a3e9";

    PostgresServer Server => cluster.Server;

    /// <summary>check exited with <paramref name="exitCode"/> and printed exactly one line starting with <paramref name="word"/>.</summary>
    static string AssertCheck(CliResult result, int exitCode, string word, params string[] fragments)
    {
        Assert.True(result.ExitCode == exitCode, $"expected check to exit {exitCode} ({word})\n{result}");
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stdout\n{result}");
        Assert.StartsWith(word + " ", lines[0], StringComparison.Ordinal);
        Assert.Equal("", result.StdErr);
        foreach (var fragment in fragments)
            Assert.True(lines[0].Contains(fragment, StringComparison.Ordinal), $"expected the line to mention '{fragment}'\n{result}");
        return lines[0];
    }

    // ---- status --------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Status_shows_the_database_next_to_its_newest_backup_and_that_it_was_never_verified()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "st_text");
        await ws.BackupAsync();
        var newest = await ws.BackupAsync("--label", "nightly");

        var result = await ws.StatusAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(ws.Database, result.StdOut, StringComparison.Ordinal);
        Assert.Contains(FixtureMigration, result.StdOut, StringComparison.Ordinal);
        Assert.Contains(newest.ArchiveName, result.StdOut, StringComparison.Ordinal);
        Assert.Contains("2 complete", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("never", result.Output.Split('\n').Single(l => l.StartsWith("verified", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_deep_verify_status_shows_it_passed()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "st_verified");
        var backup = await ws.BackupAsync();
        var verify = await ws.VerifyAsync("--latest", "--deep");
        Assert.True(verify.ExitCode == 0, verify.ToString());

        var json = await ws.StatusJsonAsync();
        var text = await ws.StatusAsync();

        Assert.Equal(ws.Database, (string?)json["database"]);
        Assert.Equal(FixtureMigration, (string?)json["migrationVersion"]);
        Assert.Null(json["serverProblem"]);
        Assert.True((long)json["sizeBytes"]! > 50_000_000, $"the fixture database is about 100 MB: {json}");
        Assert.Equal(1, (int)json["backupCount"]!);
        Assert.Equal(0, (int)json["incompleteCount"]!);
        var newest = json["newestBackup"]!.AsObject();
        Assert.Equal(backup.ArchivePath, (string?)newest["path"]);
        Assert.Equal(backup.Manifest.StartedAt, DateTimeOffset.Parse((string)newest["createdAt"]!, CultureInfo.InvariantCulture));
        Assert.InRange((long)newest["ageSeconds"]!, 0, 600);
        var verification = json["newestVerification"]!.AsObject();
        Assert.True((bool)verification["passed"]!);
        Assert.True((bool)verification["deep"]!);

        Assert.True(text.ExitCode == 0, text.ToString());
        var verifiedLine = text.StdOut.Split('\n').Single(l => l.StartsWith("verified", StringComparison.Ordinal));
        Assert.Contains("passed", verifiedLine, StringComparison.Ordinal);
        Assert.Contains("(deep)", verifiedLine, StringComparison.Ordinal);
        Assert.Contains(backup.Stem, verifiedLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_failed_verify_status_shows_it_failed()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "st_failed");
        var backup = await ws.BackupAsync();
        Damage.Truncate(backup.ArchivePath);
        Assert.Equal(5, (await ws.VerifyAsync("--latest")).ExitCode);

        var json = await ws.StatusJsonAsync();
        var text = await ws.StatusAsync();

        Assert.False((bool)json["newestVerification"]!["passed"]!);
        Assert.Contains("FAILED", text.StdOut.Split('\n').Single(l => l.StartsWith("verified", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_with_no_backups_says_so()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "st_none");

        var json = await ws.StatusJsonAsync();

        Assert.Equal(ws.Database, (string?)json["database"]);
        Assert.Equal(FixtureMigration, (string?)json["migrationVersion"]);
        Assert.Null(json["newestBackup"]);
        Assert.Null(json["newestVerification"]);
        Assert.Equal(0, (int)json["backupCount"]!);
    }

    [Fact]
    public async Task Status_still_reports_the_backups_when_the_server_cannot_be_reached()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "st_down");
        var backup = await ws.BackupAsync();
        var env = ws.Env;
        env["PGPORT"] = DatabaseHelpers.UnusedPort().ToString(CultureInfo.InvariantCulture);

        var result = await LifeboatCli.RunAsync(["status", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--json"], env);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonNode.Parse(result.StdOut)!.AsObject();
        Assert.False(string.IsNullOrWhiteSpace((string?)json["serverProblem"]), result.StdOut);
        Assert.Null(json["sizeBytes"]);
        Assert.Equal(backup.ArchivePath, (string?)json["newestBackup"]!["path"]);
        Assert.Equal(1, (int)json["backupCount"]!);
    }

    // ---- check: OK ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Check_is_ok_right_after_a_backup()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ck_ok");
        var backup = await ws.BackupAsync();

        AssertCheck(await ws.CheckAsync("--max-age", "26h"), 0, "OK", ws.Database, backup.Stem);
    }

    // ---- check: CRITICAL ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task Check_is_critical_when_there_is_no_backup()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ck_none");

        AssertCheck(await ws.CheckAsync("--max-age", "26h"), 2, "CRITICAL", "no complete backup");
        // A folder that does not exist (never mounted, say) has no backups either.
        var missing = Path.Combine(ws.BackupDir, "not-mounted");
        AssertCheck(await LifeboatCli.RunAsync(["check", "--dbname", ws.Database, "--backup-dir", missing, "--max-age", "26h"]), 2, "CRITICAL");
    }

    [Fact]
    public async Task Check_is_critical_when_the_newest_backup_is_older_than_max_age()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ck_old");
        var backup = await ws.BackupAsync();
        backup.EditManifest(json =>
        {
            json["startedAt"] = backup.Manifest.StartedAt.AddDays(-2).ToString("O", CultureInfo.InvariantCulture);
            json["finishedAt"] = backup.Manifest.FinishedAt.AddDays(-2).ToString("O", CultureInfo.InvariantCulture);
        });

        AssertCheck(await ws.CheckAsync("--max-age", "26h"), 2, "CRITICAL", "old", backup.Stem);
        // With a longer allowance the same backup is fine.
        AssertCheck(await ws.CheckAsync("--max-age", "3d"), 0, "OK");
    }

    [Fact]
    public async Task Check_is_critical_when_only_an_incomplete_backup_is_recent()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ck_orphan");
        var backup = await ws.BackupAsync();
        // Last night's run left an archive without its manifest; the previous good backup is two days old.
        backup.EditManifest(json => json["startedAt"] = backup.Manifest.StartedAt.AddDays(-2).ToString("O", CultureInfo.InvariantCulture));
        var tonight = $"{ws.Database}_backup_{DateTime.Now:yyyyMMdd_HHmmss}";
        if (tonight == backup.Stem)
            tonight = $"{ws.Database}_backup_{DateTime.Now.AddSeconds(1):yyyyMMdd_HHmmss}";
        File.Copy(backup.ArchivePath, Path.Combine(ws.BackupDir, tonight + ".dump.zst"));

        AssertCheck(await ws.CheckAsync("--max-age", "26h"), 2, "CRITICAL", backup.Stem);
    }

    [Fact]
    public async Task Check_is_critical_when_the_latest_verification_failed()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ck_failed");
        var backup = await ws.BackupAsync();
        Damage.FlipByte(backup.ArchivePath);
        Assert.Equal(5, (await ws.VerifyAsync("--latest")).ExitCode);

        AssertCheck(await ws.CheckAsync("--max-age", "26h"), 2, "CRITICAL", "verification failed", backup.Stem);
        AssertCheck(await ws.CheckAsync("--max-age", "26h", "--require-verified", "35d"), 2, "CRITICAL", "verification failed");
    }

    [Theory]
    [InlineData(ManifestDamage.CutInHalf)]
    [InlineData(ManifestDamage.ArchiveEntryNull)] // valid JSON that lacks the archive entry is no backup either
    public async Task Check_is_critical_when_the_only_manifest_is_damaged(ManifestDamage damage)
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ck_damaged");
        var backup = await ws.BackupAsync();
        Damage.Apply(damage, backup);

        AssertCheck(await ws.CheckAsync("--max-age", "26h"), 2, "CRITICAL", "no complete backup");
    }

    [Fact]
    public async Task Check_counts_only_the_backups_of_its_database()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ck_db");
        await ws.BackupAsync();
        var other = ws.OtherDatabaseName("other");

        var result = await LifeboatCli.RunAsync(["check", "--dbname", other, "--backup-dir", ws.BackupDir, "--max-age", "26h"]);

        AssertCheck(result, 2, "CRITICAL", other, "no complete backup");
    }

    // ---- check: WARNING ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Check_warns_when_no_backup_was_verified_and_is_ok_after_a_deep_verify()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ck_warn");
        var backup = await ws.BackupAsync();

        AssertCheck(await ws.CheckAsync("--max-age", "26h", "--require-verified", "35d"), 1, "WARNING", "35 days", "verify");

        var verify = await ws.VerifyAsync("--latest", "--deep");
        Assert.True(verify.ExitCode == 0, verify.ToString());

        AssertCheck(await ws.CheckAsync("--max-age", "26h", "--require-verified", "35d"), 0, "OK", backup.Stem, "verified");
    }

    [Fact]
    public async Task Check_warns_when_the_last_passed_verification_is_older_than_the_window()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ck_stale");
        var backup = await ws.BackupAsync();
        Assert.Equal(0, (await ws.VerifyAsync("--latest", "--deep")).ExitCode);
        var verifiedAt = DateTimeOffset.Parse((string)backup.VerificationJson()!["at"]!, CultureInfo.InvariantCulture);
        backup.EditManifest(json => json["verification"]!["at"] = verifiedAt.AddDays(-40).ToString("O", CultureInfo.InvariantCulture));

        AssertCheck(await ws.CheckAsync("--max-age", "26h", "--require-verified", "35d"), 1, "WARNING");
        AssertCheck(await ws.CheckAsync("--max-age", "26h", "--require-verified", "60d"), 0, "OK");
    }
}
