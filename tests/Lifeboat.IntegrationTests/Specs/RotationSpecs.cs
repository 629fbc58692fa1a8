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
        var database = await Server.CreateSmallDatabaseAsync("rotated");
        using var folder = BackupFolder.Create();
        try
        {
            var old = await MakeMonthOldBackupsAsync(database, folder, 3);
            await File.WriteAllTextAsync(folder.File("notes.txt"), "mine");

            // Act
            var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, folder.Path, "--retention-days", "7", "--keep-last", "2"),
                Server.ClientEnvironment(database));

            // Assert: the new backup and the newest old one stay (keep-last 2); the two older ones are gone, file by file.
            CliAssert.Succeeded(result);
            var stems = folder.CompleteStems();
            Assert.Equal(2, stems.Count);
            Assert.Equal(old[2], stems[0]);
            Assert.NotEqual(old[2], stems[1]); // the other one is the backup just taken
            Assert.DoesNotContain(folder.FileNames(), n => n.StartsWith(old[0] + ".", StringComparison.Ordinal) || n.StartsWith(old[1] + ".", StringComparison.Ordinal));
            Assert.Contains("notes.txt", folder.FileNames());
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(0, 1)] // at least one backup always stays
    public async Task Prune_keeps_the_newest_backups_even_when_all_are_older_than_the_retention(int keepLast, int kept)
    {
        // Arrange
        var database = await Server.CreateSmallDatabaseAsync("allold");
        using var folder = BackupFolder.Create();
        try
        {
            var old = await MakeMonthOldBackupsAsync(database, folder, 3);
            await File.WriteAllTextAsync(folder.File("notes.txt"), "mine");

            // Act
            var result = await LifeboatCli.RunAsync(
                ["prune", "--dbname", database, "--backup-dir", folder.Path, "--retention-days", "7", "--keep-last", keepLast.ToString(CultureInfo.InvariantCulture)]);

            // Assert
            CliAssert.Succeeded(result);
            Assert.Equal(old.TakeLast(kept), folder.CompleteStems());
            foreach (var gone in old.SkipLast(kept))
                Assert.DoesNotContain(folder.FileNames(), n => n.StartsWith(gone + ".", StringComparison.Ordinal));
            foreach (var stays in old.TakeLast(kept))
                Assert.Equal(5, folder.FileNames().Count(n => n.StartsWith(stays + ".", StringComparison.Ordinal)));
            Assert.Contains("notes.txt", folder.FileNames());
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Prune_dry_run_lists_what_would_be_deleted_and_deletes_nothing()
    {
        // Arrange
        var database = await Server.CreateSmallDatabaseAsync("dryrun");
        using var folder = BackupFolder.Create();
        try
        {
            var old = await MakeMonthOldBackupsAsync(database, folder, 3);
            var before = folder.FileNames();

            // Act
            var result = await LifeboatCli.RunAsync(
                ["prune", "--dbname", database, "--backup-dir", folder.Path, "--retention-days", "7", "--keep-last", "1", "--dry-run"]);

            // Assert
            CliAssert.Succeeded(result);
            Assert.Contains("would delete", result.StdOut, StringComparison.Ordinal);
            Assert.Contains(old[0], result.StdOut, StringComparison.Ordinal);
            Assert.Contains(old[1], result.StdOut, StringComparison.Ordinal);
            Assert.DoesNotContain($"would delete {old[2]}", result.StdOut, StringComparison.Ordinal);
            Assert.Equal(before, folder.FileNames());
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Rotation_never_touches_the_backups_of_another_database()
    {
        // Arrange: an old backup of another database in the same folder.
        var database = await Server.CreateSmallDatabaseAsync("mine");
        var other = await Server.CreateSmallDatabaseAsync("theirs");
        using var folder = BackupFolder.Create();
        try
        {
            var theirs = await MakeMonthOldBackupsAsync(other, folder, 1);
            var mine = await MakeMonthOldBackupsAsync(database, folder, 1);

            // Act
            var result = await LifeboatCli.RunAsync(Server.BackupArgs(database, folder.Path, "--retention-days", "7", "--keep-last", "1"),
                Server.ClientEnvironment(database));

            // Assert
            CliAssert.Succeeded(result);
            Assert.Contains(theirs[0], folder.CompleteStems());
            Assert.DoesNotContain(mine[0], folder.CompleteStems());
        }
        finally
        {
            await Server.DropDatabaseAsync(database);
            await Server.DropDatabaseAsync(other);
        }
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
