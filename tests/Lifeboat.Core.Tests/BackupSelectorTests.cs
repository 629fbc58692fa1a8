using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Restore;
using Xunit;
using static Lifeboat.Core.Tests.Support.Histories;

namespace Lifeboat.Core.Tests;

public sealed class BackupSelectorTests
{
    const string Folder = "/var/backups/lifeboat";

    static readonly DateTimeOffset Day = new(2025, 10, 24, 0, 0, 0, TimeSpan.FromHours(2));

    // shop at 10:00, 12:00 and 14:00; an incomplete run at 12:30 and another database's backup at 12:45.
    static readonly IReadOnlyList<CatalogEntry> Folder_ = Newest(
        Complete(Day.AddHours(10)),
        Complete(Day.AddHours(12)),
        Incomplete(EntryState.NoManifest, Day.AddHours(12.5)),
        Complete(Day.AddHours(12.75), database: "other"),
        Complete(Day.AddHours(14)));

    static CatalogEntry At(DateTimeOffset at) => BackupSelector.Select(Folder_, "shop", new BackupChoice(At: at), Folder);

    [Fact]
    public void At_picks_the_newest_complete_backup_of_the_database_at_or_before_the_time()
    {
        Assert.Equal(Day.AddHours(12), At(Day.AddHours(13)).CreatedAt);
        Assert.Equal(Day.AddHours(12), At(Day.AddHours(12)).CreatedAt);
        Assert.Equal(Day.AddHours(10), At(Day.AddHours(12).AddSeconds(-1)).CreatedAt);
        Assert.Equal(Day.AddHours(14), At(Day.AddDays(3)).CreatedAt);
        Assert.Equal("shop", At(Day.AddHours(13)).Database);
    }

    [Fact]
    public void At_compares_instants_not_clock_readings()
    {
        // 12:30 in UTC+2 is 10:30 UTC: the 12:00 (+02:00) backup is the one.
        Assert.Equal(Day.AddHours(12), At(new DateTimeOffset(2025, 10, 24, 10, 30, 0, TimeSpan.Zero)).CreatedAt);
    }

    [Fact]
    public void At_before_the_oldest_backup_is_an_error_naming_the_oldest()
    {
        var error = Assert.Throws<LifeboatException>(() => At(Day.AddHours(9)));

        Assert.Equal(ExitCodes.Failure, error.ExitCode);
        Assert.Contains("2025-10-24 10:00:00", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Latest_picks_the_newest_complete_backup_of_the_database()
    {
        var entries = Newest(Complete(Day.AddHours(10)), Incomplete(EntryState.Partial, Day.AddHours(15)), Complete(Day.AddHours(16), database: "other"));

        var chosen = BackupSelector.Select(entries, "shop", new BackupChoice(Latest: true), Folder);

        Assert.Equal(Day.AddHours(10), chosen.CreatedAt);
    }

    [Fact]
    public void No_complete_backup_of_the_database_is_an_error()
    {
        var entries = Newest(Incomplete(EntryState.NoManifest, Day), Complete(Day, database: "other"));

        var error = Assert.Throws<LifeboatException>(() => BackupSelector.Select(entries, "shop", new BackupChoice(Latest: true), Folder));

        Assert.Equal(ExitCodes.Failure, error.ExitCode);
        Assert.Contains(Folder, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_picks_a_backup_by_archive_name_manifest_name_or_path()
    {
        var wanted = Folder_.Single(e => e.CreatedAt == Day.AddHours(10));

        foreach (var file in new[] { wanted.ArchiveName!, wanted.Stem + ".json", Path.Combine(Folder, wanted.ArchiveName!) })
            Assert.Equal(wanted.Stem, BackupSelector.Select(Folder_, "shop", new BackupChoice(File: file), Folder).Stem);
    }

    [Fact]
    public void File_naming_an_incomplete_backup_is_an_integrity_error()
    {
        var incomplete = Folder_.Single(e => e.State == EntryState.NoManifest);

        var error = Assert.Throws<LifeboatException>(() =>
            BackupSelector.Select(Folder_, "shop", new BackupChoice(File: incomplete.Files[0]), Folder));

        Assert.Equal(ExitCodes.Integrity, error.ExitCode);
        Assert.Contains("no manifest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_naming_nothing_in_the_folder_is_an_error()
    {
        var error = Assert.Throws<LifeboatException>(() =>
            BackupSelector.Select(Folder_, "shop", new BackupChoice(File: "shop_backup_19990101_000000.dump.zst"), Folder));

        Assert.Equal(ExitCodes.Failure, error.ExitCode);
    }

    [Fact]
    public void Latest_and_at_skip_the_safety_backup_a_restore_took_of_what_it_replaced()
    {
        var entries = Newest(Complete(Day.AddHours(10)), SafetyBackup(Day.AddHours(11)));

        Assert.Equal(Day.AddHours(10), BackupSelector.Select(entries, "shop", new BackupChoice(Latest: true), Folder).CreatedAt);
        Assert.Equal(Day.AddHours(10), BackupSelector.Select(entries, "shop", new BackupChoice(At: Day.AddHours(12)), Folder).CreatedAt);
        var byName = BackupSelector.Select(entries, "shop", new BackupChoice(File: entries[0].ArchiveName), Folder);
        Assert.True(byName.IsSafetyBackup);
    }

    [Fact]
    public void A_file_of_another_database_needs_target_db_to_replace_this_one()
    {
        var other = Folder_.First(e => e.Database == "other");

        var error = Assert.Throws<LifeboatException>(() => BackupSelector.Select(Folder_, "shop", new BackupChoice(File: other.ArchiveName), Folder));
        Assert.Contains("--target-db shop", error.OneLine);
        Assert.Equal(other, BackupSelector.Select(Folder_, "shop", new BackupChoice(File: other.ArchiveName), Folder, otherTargetGiven: true));
    }
}
