using Lifeboat.Core.Catalog;
using Lifeboat.Core.Manifest;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class BackupNamingTests
{
    [Fact]
    public void The_stem_is_the_seeds_name_in_the_times_own_clock()
    {
        var at = new DateTimeOffset(2025, 10, 24, 22, 0, 5, TimeSpan.FromHours(2));

        Assert.Equal("shop_backup_20251024_220005", BackupNaming.Stem("shop", at));
        Assert.Equal("shop_backup_20251024_200005", BackupNaming.Stem("shop", at.ToUniversalTime()));
    }

    [Theory]
    [InlineData(BackupFormat.Custom, Compression.Zstd, ".dump.zst")]
    [InlineData(BackupFormat.Custom, Compression.Gzip, ".dump")]
    [InlineData(BackupFormat.Custom, Compression.None, ".dump")]
    [InlineData(BackupFormat.Plain, Compression.Zstd, ".sql.zst")]
    [InlineData(BackupFormat.Plain, Compression.Gzip, ".sql.gz")]
    [InlineData(BackupFormat.Plain, Compression.None, ".sql")]
    public void Each_format_and_compression_has_its_archive_extension(BackupFormat format, Compression compression, string extension)
    {
        Assert.Equal(extension, BackupNaming.ArchiveExtension(format, compression));
    }

    [Theory]
    [InlineData("shop")]
    [InlineData("my_backup_db")] // "_backup_" inside the database name
    [InlineData("celestial_signs_2025")]
    [InlineData("Ünïcödé db")]
    [InlineData("x_backup_20200101_000000")] // a name that looks like a stem itself
    public void A_stem_and_any_of_its_files_parse_back_to_the_database_and_time(string database)
    {
        var at = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var stem = BackupNaming.Stem(database, at);
        string[] extensions =
        [
            .. Enum.GetValues<BackupFormat>().SelectMany(f => Enum.GetValues<Compression>().Select(c => BackupNaming.ArchiveExtension(f, c))),
            BackupNaming.ManifestExtension, BackupNaming.LogExtension, BackupNaming.RestoreLogExtension,
            BackupNaming.MigrationsExtension, BackupNaming.RolesExtension, ".dump.zst" + BackupNaming.PartialSuffix,
        ];

        foreach (var extension in extensions)
        {
            var parsed = BackupNaming.Parse(stem + extension);

            Assert.NotNull(parsed);
            Assert.Equal(database, parsed.Database);
            Assert.Equal(stem, parsed.Stem);
            Assert.Equal(extension, parsed.Extension);
            Assert.Equal(at.DateTime, parsed.Timestamp);
        }
    }

    [Fact]
    public void Stem_and_parse_round_trip_over_many_times()
    {
        var random = new Random(42);
        for (var i = 0; i < 500; i++)
        {
            var at = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.NextInt64(0, 40L * 365 * 24 * 3600));
            var stem = BackupNaming.Stem("db", at);

            var parsed = BackupNaming.Parse(stem + ".json");

            Assert.Equal(at.DateTime, parsed?.Timestamp);
            Assert.Equal(stem, BackupNaming.Stem(parsed!.Database, new DateTimeOffset(parsed.Timestamp, TimeSpan.Zero)));
        }
    }

    [Theory]
    [InlineData("notes.txt")]
    [InlineData("shop_backup_20251024_220005")] // a stem alone is not a file of ours
    [InlineData("shop_backup_20251324_220005.json")] // month 13
    [InlineData("shop_backup_20251024_250005.json")] // hour 25
    [InlineData("shop_backup_2025102_220005.json")]
    [InlineData("shop_20251024_220005.json")]
    [InlineData("_backup_20251024_220005.json")] // no database
    [InlineData(".lifeboat-write-test-123")]
    [InlineData(".lifeboat-restore-4242-shop_backup_20251024_220005.dump.zst.tmp")] // the decompressed copy a parallel restore makes beside the backup
    [InlineData(".shop.lock")]
    public void Other_files_are_not_taken_for_backups(string fileName)
    {
        Assert.Null(BackupNaming.Parse(fileName));
    }
}
