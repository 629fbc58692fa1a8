using System.Globalization;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>Rotation after a backup and `lifeboat prune`: old backups go, the newest N always stay, nothing else is touched.</summary>
[Collection("postgres")]
public sealed class RotationSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    [Fact]
    public async Task A_backup_deletes_backups_older_than_the_retention_but_keeps_the_newest_ones()
    {
        // Arrange: three backups from a month ago, and a file that isn't ours.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "rotated");
        var folder = ws.Folder;
        var old = await MakeMonthOldBackupsAsync(ws.Database, folder, 3);
        await File.WriteAllTextAsync(folder.File("notes.txt"), "mine");

        // Act
        var result = await ws.RunBackupAsync("--retention-days", "7", "--keep-last", "2");

        // Assert: the new backup and the newest old one stay (keep-last 2); the two older ones are gone, file by file.
        CliAssert.Succeeded(result);
        var stems = folder.CompleteStems();
        Assert.Equal(2, stems.Count);
        Assert.Equal(old[2], stems[0]);
        Assert.NotEqual(old[2], stems[1]); // the other one is the backup just taken
        Assert.DoesNotContain(folder.FileNames(), n => n.StartsWith(old[0] + ".", StringComparison.Ordinal) || n.StartsWith(old[1] + ".", StringComparison.Ordinal));
        Assert.Contains("notes.txt", folder.FileNames());
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(0, 1)] // at least one backup always stays
    public async Task Prune_keeps_the_newest_backups_even_when_all_are_older_than_the_retention(int keepLast, int kept)
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "allold");
        var folder = ws.Folder;
        var old = await MakeMonthOldBackupsAsync(ws.Database, folder, 3);
        await File.WriteAllTextAsync(folder.File("notes.txt"), "mine");

        // Act
        var result = await LifeboatCli.RunAsync(
            ["prune", "--dbname", ws.Database, "--backup-dir", folder.Path, "--retention-days", "7", "--keep-last", keepLast.ToString(CultureInfo.InvariantCulture)]);

        // Assert
        CliAssert.Succeeded(result);
        Assert.Equal(old.TakeLast(kept), folder.CompleteStems());
        foreach (var gone in old.SkipLast(kept))
            Assert.DoesNotContain(folder.FileNames(), n => n.StartsWith(gone + ".", StringComparison.Ordinal));
        foreach (var stays in old.TakeLast(kept))
            Assert.Equal(5, folder.FileNames().Count(n => n.StartsWith(stays + ".", StringComparison.Ordinal)));
        Assert.Contains("notes.txt", folder.FileNames());
    }

    [Fact]
    public async Task Prune_dry_run_lists_what_would_be_deleted_and_deletes_nothing()
    {
        // Arrange
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "dryrun");
        var folder = ws.Folder;
        var old = await MakeMonthOldBackupsAsync(ws.Database, folder, 3);
        var before = folder.FileNames();

        // Act
        var result = await LifeboatCli.RunAsync(
            ["prune", "--dbname", ws.Database, "--backup-dir", folder.Path, "--retention-days", "7", "--keep-last", "1", "--dry-run"]);

        // Assert
        CliAssert.Succeeded(result);
        Assert.Contains("would delete", result.StdOut, StringComparison.Ordinal);
        Assert.Contains(old[0], result.StdOut, StringComparison.Ordinal);
        Assert.Contains(old[1], result.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain($"would delete {old[2]}", result.StdOut, StringComparison.Ordinal);
        Assert.Equal(before, folder.FileNames());
    }

    [Fact]
    public async Task Rotation_never_touches_the_backups_of_another_database()
    {
        // Arrange: an old backup of another database in the same folder.
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "mine");
        await using var other = await BackupWorkspace.WithSmallDatabaseAsync(Server, "theirs");
        var folder = ws.Folder;
        var theirs = await MakeMonthOldBackupsAsync(other.Database, folder, 1);
        var mine = await MakeMonthOldBackupsAsync(ws.Database, folder, 1);

        // Act
        var result = await ws.RunBackupAsync("--retention-days", "7", "--keep-last", "1");

        // Assert
        CliAssert.Succeeded(result);
        Assert.Contains(theirs[0], folder.CompleteStems());
        Assert.DoesNotContain(mine[0], folder.CompleteStems());
    }

    /// <summary>Takes <paramref name="count"/> real backups, then dates them 30+ days back (oldest first); returns their stems, oldest first.</summary>
    async Task<IReadOnlyList<string>> MakeMonthOldBackupsAsync(string database, BackupFolder folder, int count)
    {
        var existing = folder.CompleteStems().ToHashSet();
        for (var i = 0; i < count; i++)
            CliAssert.Succeeded(await LifeboatCli.RunAsync(Server.BackupArgs(database, folder.Path, "--no-prune"), Server.ClientEnvironment(database)));
        var stems = folder.CompleteStems().Where(s => !existing.Contains(s)).ToList();
        Assert.Equal(count, stems.Count);
        var now = DateTimeOffset.Now;
        for (var i = 0; i < count; i++)
            folder.Backdate(stems[i], now.AddDays(-30 - (count - i)));
        return stems;
    }
}
