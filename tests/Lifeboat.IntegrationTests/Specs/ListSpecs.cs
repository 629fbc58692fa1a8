using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>`lifeboat list`: what is in the folder, as a person reads it and as a script parses it.</summary>
[Collection("postgres")]
public sealed class ListSpecs(ClusterFixture cluster)
{
    const string FixtureMigration = "6cdf0b06a3e9";

    PostgresServer Server => cluster.Server;

    static JsonObject ItemFor(JsonArray items, string stem) =>
        items.Select(i => i!.AsObject()).SingleOrDefault(i => (string?)i["stem"] == stem)
        ?? throw new Xunit.Sdk.XunitException($"list --json has no item with stem {stem}:\n{items}");

    /// <summary>The distinct backup stems of the files in the folder (&lt;db&gt;_backup_&lt;yyyyMMdd&gt;_&lt;HHmmss&gt;).</summary>
    static IEnumerable<string> StemsOnDisk(string folder) =>
        Directory.GetFiles(folder).Select(p => Regex.Match(Path.GetFileName(p), @"^(.+_backup_\d{8}_\d{6})\.")).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).Distinct();

    [Fact]
    public async Task List_json_is_valid_json_that_matches_the_files_on_disk()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ls_disk");
        var custom = await ws.BackupAsync();
        var plain = await ws.BackupAsync("--format", "plain", "--compress", "gzip", "--label", "before upgrade");
        // An archive without a manifest, as a copy under a new name leaves it: not a backup, but listed as what it is.
        var orphanStem = $"{ws.Database}_backup_20200101_000000";
        var orphanPath = Path.Combine(ws.BackupDir, orphanStem + ".dump.zst");
        File.Copy(custom.ArchivePath, orphanPath);

        var items = await ws.ListBackupsJsonAsync();

        Assert.Equal(StemsOnDisk(ws.BackupDir).Count(), items.Count);
        Assert.Equal(3, items.Count);
        foreach (var backup in new[] { custom, plain })
        {
            var item = ItemFor(items, backup.Stem);
            var path = (string)item["path"]!;
            Assert.Equal(backup.ArchivePath, path);
            Assert.True(File.Exists(path), path);
            Assert.Equal("complete", (string?)item["state"]);
            Assert.Equal(ws.Database, (string?)item["database"]);
            Assert.Equal(new FileInfo(path).Length, (long)item["sizeBytes"]!);
            Assert.Equal(ProofCommands.Sha256Of(path), (string?)item["sha256"]);
            Assert.Equal(FixtureMigration, (string?)item["migrationVersion"]);
            Assert.Equal(16, (int)item["tableCount"]!);
            Assert.Null(item["verified"]);
            Assert.Equal(backup.Manifest.StartedAt, DateTimeOffset.Parse((string)item["createdAt"]!, CultureInfo.InvariantCulture));
            // Its files are exactly the backup's files in the folder.
            var files = item["files"]!.AsArray().Select(f => (string)f!).ToList();
            var onDisk = Directory.GetFiles(ws.BackupDir, backup.Stem + ".*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(onDisk, files.Order(StringComparer.Ordinal));
            Assert.Contains(backup.ArchiveName, files);
            Assert.Contains(backup.Stem + ".json", files);
        }
        var customItem = ItemFor(items, custom.Stem);
        Assert.Equal(("custom", "zstd"), ((string?)customItem["format"], (string?)customItem["compression"]));
        Assert.Null(customItem["label"]);
        var plainItem = ItemFor(items, plain.Stem);
        Assert.Equal(("plain", "gzip"), ((string?)plainItem["format"], (string?)plainItem["compression"]));
        Assert.Equal("before upgrade", (string?)plainItem["label"]);

        var orphan = ItemFor(items, orphanStem);
        Assert.Equal("nomanifest", (string?)orphan["state"]);
        Assert.Equal(orphanPath, (string?)orphan["path"]);
        Assert.Equal(new FileInfo(orphanPath).Length, (long)orphan["sizeBytes"]!);
        Assert.Equal(ws.Database, (string?)orphan["database"]);
        Assert.Null(orphan["sha256"]);
        Assert.Null(orphan["verified"]);
        Assert.Equal(new[] { orphanStem + ".dump.zst" }, orphan["files"]!.AsArray().Select(f => (string)f!));

        // Newest first.
        var times = items.Select(i => DateTimeOffset.Parse((string)i!["createdAt"]!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.OrderDescending(), times);
        Assert.Equal(orphanStem, (string?)items[^1]!["stem"]);
    }

    [Fact]
    public async Task Leftovers_that_are_not_backups_are_listed_with_what_is_wrong_with_them()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ls_states");
        var backup = await ws.BackupAsync();
        string Stem(int day) => $"{ws.Database}_backup_202001{day:00}_000000";
        // A manifest that is not JSON, a run still writing (or killed), and a run that failed with only its log left.
        File.Copy(backup.ArchivePath, Path.Combine(ws.BackupDir, Stem(1) + ".dump.zst"));
        File.WriteAllText(Path.Combine(ws.BackupDir, Stem(1) + ".json"), "{ \"database\": ");
        File.WriteAllBytes(Path.Combine(ws.BackupDir, Stem(2) + ".dump.zst.partial"), new byte[1000]);
        File.WriteAllText(Path.Combine(ws.BackupDir, Stem(2) + ".log"), "started\n");
        File.WriteAllText(Path.Combine(ws.BackupDir, Stem(3) + ".log"), "pg_dump failed\n");
        // Files that are not lifeboat's at all are not listed.
        File.WriteAllText(Path.Combine(ws.BackupDir, "README.txt"), "offsite copies on Fridays");

        var items = await ws.ListBackupsJsonAsync();

        Assert.Equal(4, items.Count);
        Assert.Equal("complete", (string?)ItemFor(items, backup.Stem)["state"]);
        Assert.Equal("damaged", (string?)ItemFor(items, Stem(1))["state"]);
        Assert.Equal("partial", (string?)ItemFor(items, Stem(2))["state"]);
        Assert.Equal("failedrun", (string?)ItemFor(items, Stem(3))["state"]);
        Assert.Equal(1000 + "started\n".Length, (long)ItemFor(items, Stem(2))["sizeBytes"]!);

        var text = await ws.ListBackupsAsync();
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("its manifest is damaged", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("only the log of a failed run", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("1 complete backup,", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("3 incomplete", text.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_that_is_json_but_lacks_its_archive_is_listed_as_damaged()
    {
        // Valid JSON, every required name present, but the archive entry is null (a bad hand edit, a broken sync).
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ls_noarchive");
        var backup = await ws.BackupAsync();
        backup.EditManifest(json => json["archive"] = null);

        var result = await ws.ListBackupsAsync("--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var item = ItemFor(JsonNode.Parse(result.StdOut)!.AsArray(), backup.Stem);
        Assert.Equal("damaged", (string?)item["state"]);
        var text = await ws.ListBackupsAsync();
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("damaged", text.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_json_shows_the_verdict_of_the_last_verify()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ls_verified");
        var backup = await ws.BackupAsync();

        Assert.True((await ws.VerifyAsync("--latest")).ExitCode == 0);
        var passed = ItemFor(await ws.ListBackupsJsonAsync(), backup.Stem)["verified"]!.AsObject();

        Assert.True((bool)passed["passed"]!);
        Assert.False((bool)passed["deep"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)passed["summary"]));
        Assert.InRange(DateTimeOffset.Parse((string)passed["at"]!, CultureInfo.InvariantCulture), DateTimeOffset.Now.AddMinutes(-2), DateTimeOffset.Now.AddSeconds(1));

        Damage.FlipByte(backup.ArchivePath);
        Assert.Equal(5, (await ws.VerifyAsync("--latest")).ExitCode);
        var failed = ItemFor(await ws.ListBackupsJsonAsync(), backup.Stem)["verified"]!.AsObject();

        Assert.False((bool)failed["passed"]!);
        Assert.Contains("corrupted", (string)failed["summary"]!, StringComparison.Ordinal);
        // The manifest was rewritten, the archive was not: the listing still tells the archive as recorded, not as it is now.
        Assert.Equal(backup.Manifest.Archive.Sha256, (string?)ItemFor(await ws.ListBackupsJsonAsync(), backup.Stem)["sha256"]);
    }

    [Fact]
    public async Task List_text_shows_each_backup_with_its_label_migration_and_verification()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ls_text");
        var labelled = await ws.BackupAsync("--label", "pre-migration");
        var verified = await ws.BackupAsync();
        Assert.True((await ws.VerifyAsync("--file", verified.ArchiveName)).ExitCode == 0);

        var result = await ws.ListBackupsAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StdOut.Split('\n');
        var labelledLine = lines.Single(l => l.Contains(labelled.ArchiveName, StringComparison.Ordinal));
        Assert.Contains("pre-migration", labelledLine, StringComparison.Ordinal);
        Assert.Contains(FixtureMigration, labelledLine, StringComparison.Ordinal);
        Assert.Contains("custom/zstd", labelledLine, StringComparison.Ordinal);
        Assert.Contains("passed", lines.Single(l => l.Contains(verified.ArchiveName, StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("2 complete backups", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_dbname_shows_only_that_databases_backups()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ls_db");
        var mine = await ws.BackupAsync();
        var other = ws.OtherDatabaseName("other");
        await Server.ExecuteAsync("postgres", $"CREATE DATABASE \"{other}\" TEMPLATE {PostgresServer.TemplateDatabase}");
        var otherBackup = await LifeboatCli.RunAsync(["backup", "-d", other, "--backup-dir", ws.BackupDir, "--no-prune"], Server.ClientEnvironment(other));
        Assert.True(otherBackup.ExitCode == 0, otherBackup.ToString());

        // Without -d and without PGDATABASE: every database in the folder; -d or PGDATABASE: that one, as -d's help says.
        var noDatabase = ws.Env;
        noDatabase.Remove("PGDATABASE");
        var allRun = await LifeboatCli.RunAsync(["list", "--backup-dir", ws.BackupDir, "--json"], noDatabase);
        CliAssert.Succeeded(allRun);
        var all = System.Text.Json.Nodes.JsonNode.Parse(allRun.StdOut)!.AsArray();
        var only = await ws.ListBackupsJsonAsync("--dbname", ws.Database);
        var fromEnvironment = await ws.ListBackupsJsonAsync(); // PGDATABASE is the workspace's database

        Assert.Equal(2, all.Count);
        Assert.Equal(new[] { ws.Database, other }, all.Select(i => (string)i!["database"]!).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { mine.Stem }, only.Select(i => (string)i!["stem"]!));
        Assert.Equal(new[] { mine.Stem }, fromEnvironment.Select(i => (string)i!["stem"]!));
    }

    [Fact]
    public async Task List_json_of_an_empty_folder_is_an_empty_array()
    {
        using var folder = BackupFolder.Create();

        var result = await LifeboatCli.RunAsync(["list", "--backup-dir", folder.Path, "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(JsonNode.Parse(result.StdOut)!.AsArray());
    }

    [Fact]
    public async Task List_of_a_folder_that_does_not_exist_is_a_one_line_error()
    {
        using var folder = BackupFolder.Create();

        var result = await LifeboatCli.RunAsync(["list", "--backup-dir", folder.Sub("nowhere"), "--json"]);

        CliAssert.OneLineError(result, 1, "does not exist");
        Assert.Equal("", result.StdOut);
    }
}
