using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>`lifeboat verify`: damage on disk is caught, a deep verify restores for real, and the verdict is written down.</summary>
[Collection("postgres")]
public sealed class VerifySpecs(ClusterFixture cluster)
{
    const string FixtureMigration = "6cdf0b06a3e9";

    PostgresServer Server => cluster.Server;

    /// <summary>The run failed with exit 5 and printed a "FAILED &lt;stem&gt;: …" line on stderr mentioning every fragment.</summary>
    static string AssertFailedLine(CliResult result, string stem, params string[] fragments)
    {
        Assert.True(result.ExitCode == 5, $"expected exit 5 (integrity)\n{result}");
        var line = result.StdErr.Split('\n').FirstOrDefault(l => l.StartsWith($"FAILED {stem}: ", StringComparison.Ordinal));
        Assert.True(line is not null, $"expected a line 'FAILED {stem}: …' on stderr\n{result}");
        foreach (var fragment in fragments)
            Assert.True(line.Contains(fragment, StringComparison.Ordinal), $"expected the FAILED line to mention '{fragment}'\n{result}");
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        return line;
    }

    static void AssertVerified(CliResult result, string stem)
    {
        Assert.True(result.ExitCode == 0, $"expected verify to pass\n{result}");
        Assert.Contains($"OK {stem}: ", result.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", result.Output, StringComparison.Ordinal);
    }

    // ---- checksums and files ---------------------------------------------------------------------------------------

    [Fact]
    [Trait("Majors", "all")]
    public async Task A_fresh_backup_passes_verify_and_the_verdict_is_written_into_its_manifest()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_good");
        var backup = await ws.BackupAsync();
        var original = backup.ManifestJson();
        Assert.Null(original["verification"]);
        var before = DateTimeOffset.Now.AddSeconds(-1);

        var result = await ws.VerifyAsync("--latest");

        AssertVerified(result, backup.Stem);
        Assert.Contains("1 of 1 backups verified", result.StdOut, StringComparison.Ordinal);
        var verification = backup.VerificationJson();
        Assert.NotNull(verification);
        Assert.True((bool)verification["passed"]!);
        Assert.False((bool)verification["deep"]!);
        Assert.InRange(DateTimeOffset.Parse((string)verification["at"]!, System.Globalization.CultureInfo.InvariantCulture), before, DateTimeOffset.Now.AddSeconds(1));
        Assert.False(string.IsNullOrWhiteSpace((string?)verification["summary"]));
        // Recording the verdict must not make the backup look different: the rest of the manifest is as it was.
        var rest = backup.ManifestJson();
        rest.Remove("verification");
        original.Remove("verification");
        Assert.True(JsonNode.DeepEquals(original, rest), $"verify changed more than the verification:\n{rest}");
    }

    [Fact]
    public async Task A_flipped_byte_in_the_archive_fails_verify_with_a_line_naming_the_corruption()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_flip");
        var backup = await ws.BackupAsync();
        Damage.FlipByte(backup.ArchivePath);

        var result = await ws.VerifyAsync("--file", backup.ArchiveName);

        AssertFailedLine(result, backup.Stem, backup.ArchiveName, "SHA-256", "corrupted");
        Assert.Contains("0 of 1 backups verified, 1 failed", result.StdOut, StringComparison.Ordinal);
        Assert.False((bool)backup.VerificationJson()!["passed"]!);
    }

    [Fact]
    [Trait("Majors", "all")]
    public async Task A_truncated_archive_fails_verify_with_a_line_naming_the_truncation()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_trunc");
        var backup = await ws.BackupAsync();
        var length = Damage.Truncate(backup.ArchivePath, 0.6);

        var result = await ws.VerifyAsync("--latest");

        AssertFailedLine(result, backup.Stem, backup.ArchiveName, $"{length} bytes", $"{backup.Manifest.Archive.SizeBytes}", "truncated");
        Assert.False((bool)backup.VerificationJson()!["passed"]!);
    }

    [Fact]
    public async Task A_missing_sidecar_fails_verify_with_a_line_naming_the_file()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_sidecar");
        var backup = await ws.BackupAsync();
        var sidecar = backup.Manifest.Sidecars.First(s => s.Name.EndsWith(".migrations.sql", StringComparison.Ordinal));
        File.Delete(Path.Combine(ws.BackupDir, sidecar.Name));

        var result = await ws.VerifyAsync("--latest");

        AssertFailedLine(result, backup.Stem, sidecar.Name, "missing");
    }

    [Theory]
    [InlineData("zstd", ".dump.zst")]
    [InlineData("none", ".dump")]
    public async Task A_custom_archive_cut_short_is_caught_even_when_its_manifest_was_rewritten_to_match(string compression, string extension)
    {
        // Checksums only prove the file is what was recorded; the archive itself must also read to its end.
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_cut");
        var backup = await ws.BackupAsync("--compress", compression);
        Assert.EndsWith(extension, backup.ArchiveName, StringComparison.Ordinal);
        Damage.Truncate(backup.ArchivePath, 0.7);
        Damage.RecordArchiveAsIs(backup);

        var result = await ws.VerifyAsync("--latest");

        AssertFailedLine(result, backup.Stem, backup.ArchiveName);
    }

    // ---- plain SQL -------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("none", ".sql")]
    [InlineData("gzip", ".sql.gz")]
    [InlineData("zstd", ".sql.zst")]
    [Trait("Majors", "all")]
    public async Task A_plain_backup_passes_verify(string compression, string extension)
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_plain");
        var backup = await ws.BackupAsync("--format", "plain", "--compress", compression);
        Assert.EndsWith(extension, backup.ArchiveName, StringComparison.Ordinal);

        AssertVerified(await ws.VerifyAsync("--latest"), backup.Stem);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("zstd")]
    public async Task A_truncated_plain_dump_is_caught_because_pg_dumps_closing_line_is_missing(string compression)
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_plain_cut");
        var backup = await ws.BackupAsync("--format", "plain", "--compress", compression);
        // Cut the dump cleanly at a line end, then record it as is: only its missing closing line can give it away.
        if (compression == "none")
            CutPlainDumpAtALineEnd(backup.ArchivePath);
        else
            Damage.Truncate(backup.ArchivePath, 0.8);
        Damage.RecordArchiveAsIs(backup);

        var result = await ws.VerifyAsync("--latest");

        var line = AssertFailedLine(result, backup.Stem, backup.ArchiveName);
        if (compression == "none")
            Assert.Contains("closing line", line, StringComparison.Ordinal);
        else
            Assert.True(line.Contains("closing line", StringComparison.Ordinal) || line.Contains("cannot be read to its end", StringComparison.Ordinal), line);
    }

    static void CutPlainDumpAtALineEnd(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var cut = Array.LastIndexOf(bytes, (byte)'\n', bytes.Length / 2) + 1;
        Assert.True(cut > 0);
        File.WriteAllBytes(path, bytes[..cut]);
        Assert.DoesNotContain("PostgreSQL database dump complete", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Majors", "all")]
    public async Task A_plain_backup_passes_a_deep_verify()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_plain_deep");
        var backup = await ws.BackupAsync("--format", "plain");

        var result = await ws.VerifyAsync("--latest", "--deep");

        AssertVerified(result, backup.Stem);
        Assert.True((bool)backup.VerificationJson()!["deep"]!);
        Assert.Empty(await ws.VerifyScratchDatabasesAsync());
    }

    // ---- deep --------------------------------------------------------------------------------------------------------

    [Fact]
    [Trait("Majors", "all")]
    public async Task A_deep_verify_of_a_good_backup_passes_and_leaves_no_scratch_database()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_deep");
        var backup = await ws.BackupAsync();
        var before = await ws.FingerprintAsync();
        var filesBefore = FileNames(ws.BackupDir);

        var result = await ws.VerifyAsync("--latest", "--deep", "--jobs", "2");

        AssertVerified(result, backup.Stem);
        var verification = backup.VerificationJson()!;
        Assert.True((bool)verification["passed"]!);
        Assert.True((bool)verification["deep"]!);
        Assert.Contains("row counts", (string)verification["summary"]!, StringComparison.Ordinal);
        Assert.Empty(await ws.VerifyScratchDatabasesAsync());
        Assert.Equal(before, await ws.FingerprintAsync()); // the source database was only read
        Assert.Equal(filesBefore, FileNames(ws.BackupDir)); // no decompressed copy left beside the backup
    }

    static IReadOnlyList<string> FileNames(string folder) =>
        Directory.GetFiles(folder).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Ctrl_C_during_a_deep_verify_removes_the_scratch_database_and_leaves_the_folder_as_it_was()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_cancel");
        var backup = await ws.BackupAsync();
        var filesBefore = FileNames(ws.BackupDir);
        var manifestBefore = File.ReadAllText(backup.ManifestPath);

        await using var run = await LifeboatCli.StartAsync(["verify", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--latest", "--deep", "--jobs", "2"], ws.Env);
        Assert.True(await run.WaitForOutputAsync("restoring into scratch database", TimeSpan.FromMinutes(1)), run.StdOutSoFar + run.StdErrSoFar);
        run.Interrupt();
        var result = await run.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 130, $"expected exit 130 after Ctrl-C\n{result}");
        Assert.Contains("cancelled", result.StdErr, StringComparison.Ordinal);
        Assert.Empty(await ws.VerifyScratchDatabasesAsync());
        Assert.Equal(filesBefore, FileNames(ws.BackupDir));
        Assert.Equal(manifestBefore, File.ReadAllText(backup.ManifestPath)); // an interrupted verify is no verdict
    }

    [Fact]
    public async Task A_backup_on_a_read_only_disk_can_still_be_verified_deep_and_the_verdict_is_printed_not_recorded()
    {
        // Arrange: the backup copied to a disk that is then remounted read-only (an offsite copy, say).
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_ro");
        var backup = await ws.BackupAsync();
        var size = Directory.GetFiles(ws.BackupDir).Sum(f => new FileInfo(f).Length);
        await using var disk = await TmpfsMount.MountAsync(size * 2 + (16 << 20));
        foreach (var file in Directory.GetFiles(ws.BackupDir))
            File.Copy(file, Path.Combine(disk.Path, Path.GetFileName(file)));
        await ExternalTool.RunCheckedAsync("mount", ["-o", "remount,ro", disk.Path]);
        var manifestBefore = File.ReadAllText(Path.Combine(disk.Path, backup.Stem + ".json"));

        // Act
        var quick = await LifeboatCli.RunAsync(["verify", "-d", ws.Database, "--backup-dir", disk.Path, "--latest"], ws.Env);
        var deep = await LifeboatCli.RunAsync(["verify", "-d", ws.Database, "--backup-dir", disk.Path, "--latest", "--deep", "--jobs", "2"], ws.Env);

        // Assert
        AssertVerified(quick, backup.Stem);
        AssertVerified(deep, backup.Stem);
        Assert.Equal(manifestBefore, File.ReadAllText(Path.Combine(disk.Path, backup.Stem + ".json")));
        Assert.Empty(await ws.VerifyScratchDatabasesAsync());
    }

    [Fact]
    [Trait("Majors", "all")]
    public async Task A_deep_verify_fails_when_the_manifests_row_counts_differ_from_the_restored_data()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_rows");
        var backup = await ws.BackupAsync();
        var rows = backup.Manifest.Tables.Single(t => t is { Schema: "public", Name: "earthquakes" }).Rows;
        backup.EditManifest(json =>
        {
            var table = json["tables"]!.AsArray().Single(t => (string?)t!["name"] == "earthquakes")!;
            table["rows"] = rows + 7;
        });

        var result = await ws.VerifyAsync("--latest", "--deep");

        AssertFailedLine(result, backup.Stem, "public.earthquakes", $"{rows} rows", $"{rows + 7}");
        var verification = backup.VerificationJson()!;
        Assert.False((bool)verification["passed"]!);
        Assert.True((bool)verification["deep"]!);
        Assert.Empty(await ws.VerifyScratchDatabasesAsync());
    }

    [Fact]
    public async Task A_deep_verify_fails_when_the_manifests_migration_version_differs_from_the_restored_data()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_migr");
        var backup = await ws.BackupAsync();
        backup.EditManifest(json => json["migration"]!["version"] = "ffffffffffff");

        var result = await ws.VerifyAsync("--latest", "--deep");

        AssertFailedLine(result, backup.Stem, FixtureMigration, "ffffffffffff");
        Assert.Empty(await ws.VerifyScratchDatabasesAsync());
    }

    [Fact]
    public async Task The_run_command_sees_the_scratch_database_and_its_data()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_run");
        var backup = await ws.BackupAsync();
        var expectedRows = await ws.ScalarAsync<long>("SELECT count(*) FROM celestial_signs");
        var nameFile = Path.Combine(ws.BackupDir, "run-database.txt");
        var countFile = Path.Combine(ws.BackupDir, "run-count.txt");

        var result = await ws.VerifyAsync("--latest", "--deep", "--run",
            $"psql -X -Atc 'select current_database()' > '{nameFile}' && psql -X -Atc 'select count(*) from celestial_signs' > '{countFile}'");

        AssertVerified(result, backup.Stem);
        var scratch = File.ReadAllText(nameFile).Trim();
        Assert.Matches(new Regex($"^{Regex.Escape(ws.Database)}__lifeboat_verify_\\d{{14}}_[0-9a-f]{{4}}_\\d+$"), scratch);
        Assert.Equal(expectedRows.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(countFile).Trim());
        Assert.Contains("--run passed", (string)backup.VerificationJson()!["summary"]!, StringComparison.Ordinal);
        Assert.False(await ws.DatabaseExistsAsync(scratch));
        Assert.Empty(await ws.VerifyScratchDatabasesAsync());
    }

    [Fact]
    public async Task A_run_command_that_exits_1_makes_verify_fail()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_run_fail");
        var backup = await ws.BackupAsync();

        var result = await ws.VerifyAsync("--latest", "--deep", "--run", "echo 'tests: 3 failed' >&2; exit 1");

        AssertFailedLine(result, backup.Stem, "--run", "exited with 1");
        Assert.Contains("tests: 3 failed", result.StdErr, StringComparison.Ordinal); // the command's own output passes through
        Assert.False((bool)backup.VerificationJson()!["passed"]!);
        Assert.Empty(await ws.VerifyScratchDatabasesAsync());
    }

    // ---- choosing backups ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Verify_all_checks_every_backup_and_fails_when_one_of_them_is_bad()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_all");
        var bad = await ws.BackupAsync();
        var good = await ws.BackupAsync();
        Damage.FlipByte(bad.ArchivePath, 0.9);

        var result = await ws.VerifyAsync("--all");

        AssertFailedLine(result, bad.Stem, "corrupted");
        Assert.DoesNotContain($"FAILED {good.Stem}", result.StdErr, StringComparison.Ordinal);
        Assert.Contains($"OK {good.Stem}: ", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("1 of 2 backups verified, 1 failed", result.StdOut, StringComparison.Ordinal);
        Assert.False((bool)bad.VerificationJson()!["passed"]!);
        Assert.True((bool)good.VerificationJson()!["passed"]!);
    }

    [Fact]
    public async Task Verify_latest_checks_only_the_newest_backup()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_latest");
        var old = await ws.BackupAsync();
        var newest = await ws.BackupAsync();
        Damage.FlipByte(old.ArchivePath);

        AssertVerified(await ws.VerifyAsync("--latest"), newest.Stem);
        Assert.Null(old.VerificationJson());
    }

    [Fact]
    public async Task Verify_file_takes_a_path_or_the_manifests_name()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_file");
        var first = await ws.BackupAsync();
        var second = await ws.BackupAsync();

        AssertVerified(await ws.VerifyAsync("--file", first.ArchivePath), first.Stem);
        AssertVerified(await ws.VerifyAsync("--file", second.Stem + ".json"), second.Stem);
    }

    [Fact]
    public async Task Verify_all_fails_for_an_archive_without_a_manifest()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_orphan");
        var backup = await ws.BackupAsync();
        var orphanStem = $"{ws.Database}_backup_20200101_000000";
        File.Copy(backup.ArchivePath, Path.Combine(ws.BackupDir, orphanStem + ".dump.zst"));

        var result = await ws.VerifyAsync("--all");

        AssertFailedLine(result, orphanStem, "no manifest");
        Assert.Contains($"OK {backup.Stem}: ", result.StdOut, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(ws.BackupDir, orphanStem + ".json")), "verify must not make an orphan archive look like a backup");
    }

    [Fact]
    public async Task Verify_file_of_a_backup_that_is_not_in_the_folder_says_so()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_nofile");
        await ws.BackupAsync();

        var result = await ws.VerifyAsync("--file", $"{ws.Database}_backup_19990101_000000.dump.zst");

        CliAssert.OneLineError(result, 1, "no such backup");
    }

    [Fact]
    public async Task Verify_latest_in_an_empty_folder_fails_saying_there_is_no_backup()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "vf_empty");

        var result = await ws.VerifyAsync("--latest");

        CliAssert.OneLineError(result, 5, "no complete backup");
    }

    [Theory]
    [InlineData]
    [InlineData("--latest", "--all")]
    [InlineData("--all", "--file", "x.dump.zst")]
    [InlineData("--latest", "--run", "true")]
    public async Task Verify_with_unclear_instructions_is_a_usage_error(params string[] args)
    {
        using var folder = BackupFolder.Create();

        var result = await LifeboatCli.RunAsync(["verify", "-d", "shop", "--backup-dir", folder.Path, .. args]);

        CliAssert.OneLineError(result, 2);
    }
}
