using Lifeboat.Core.Catalog;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class BackupNamingEncodingTests
{
    private static readonly DateTimeOffset At = new(2025, 10, 24, 22, 0, 5, TimeSpan.Zero);

    [Theory]
    [InlineData("celestial_signs")]
    [InlineData("my db")]
    [InlineData("Ünïcødé")]
    [InlineData("shop.v2")]
    [InlineData("a.b.c")]
    [InlineData("trailing.")]
    [InlineData("UPPER-case_123")]
    public void An_ordinary_name_is_used_as_it_is(string database)
    {
        Assert.Equal(database, BackupNaming.EncodeDatabase(database));
        Assert.Equal(database, BackupNaming.DecodeDatabase(database));
        Assert.StartsWith(database + "_backup_", BackupNaming.Stem(database, At), StringComparison.Ordinal);
        Assert.Equal($".{database}.lock", BackupNaming.LockName(database));
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows")]
    [InlineData(".hidden")]
    [InlineData("50%")]
    [InlineData("%41")] // a name that looks encoded already
    [InlineData("x:y")]
    [InlineData("what?*<>|\"")]
    [InlineData("line\nbreak")]
    [InlineData("tab\there")]
    [InlineData("del\x7f")]
    public void A_name_that_would_escape_or_hide_in_the_folder_is_encoded_and_parses_back(string database)
    {
        var stem = BackupNaming.Stem(database, At);

        Assert.DoesNotContain('/', stem);
        Assert.DoesNotContain('\\', stem);
        Assert.False(stem.StartsWith('.'), $"'{stem}' would be a hidden file");
        Assert.DoesNotContain(stem, c => c < ' ' || c == '\x7f');
        Assert.Equal(stem, Path.GetFileName(stem));
        var parsed = BackupNaming.Parse(stem + ".dump.zst");
        Assert.NotNull(parsed);
        Assert.Equal(database, parsed.Database);
        Assert.Equal(At.DateTime, parsed.Timestamp);
        Assert.Equal(stem, parsed.Stem);
        Assert.Equal(".dump.zst", parsed.Extension);
    }

    [Theory]
    [InlineData("../evil", "%2E.%2Fevil")]
    [InlineData(".hidden", "%2Ehidden")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("a\\b", "a%5Cb")]
    [InlineData("50%", "50%25")]
    [InlineData("x:y", "x%3Ay")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public void Each_unsafe_character_is_written_as_its_upper_case_hex_code(string database, string encoded)
    {
        Assert.Equal(encoded, BackupNaming.EncodeDatabase(database));
        Assert.Equal(database, BackupNaming.DecodeDatabase(encoded));
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData(".hidden")]
    [InlineData("x:y")]
    public void The_lock_file_stays_in_the_folder(string database)
    {
        var lockName = BackupNaming.LockName(database);

        Assert.Equal(lockName, Path.GetFileName(lockName));
        Assert.DoesNotContain('/', lockName);
        Assert.DoesNotContain('\\', lockName);
        Assert.NotEqual(BackupNaming.LockName("evil"), lockName);
    }

    [Fact]
    public void Different_databases_never_share_a_stem()
    {
        string[] databases = ["a/b", "a%2Fb", "a_b", ".x", "%2Ex", "x", "a\\b", "a%5Cb"];

        var stems = databases.Select(d => BackupNaming.Stem(d, At)).ToList();

        Assert.Equal(databases.Length, stems.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("%G1")] // not hex
    [InlineData("%4")] // cut off
    [InlineData("abc%")]
    [InlineData("%61")] // "a" needs no encoding: not the one spelling of any name
    [InlineData("%2f")] // lower-case hex is not how names are written
    [InlineData("%C3%9C")] // only ASCII is encoded; "Ü" is written as it is
    [InlineData("%+1")]
    public void Malformed_encodings_decode_to_nothing(string encoded)
    {
        Assert.Null(BackupNaming.DecodeDatabase(encoded));
    }

    [Theory]
    [InlineData("%G1_backup_20251024_220005.dump.zst", "%G1")]
    [InlineData("%61_backup_20251024_220005.json", "%61")]
    [InlineData("50%_backup_20251024_220005.json", "50%")]
    public void A_name_that_is_not_an_encoding_is_a_backup_written_before_names_were_encoded_of_the_database_so_named(string fileName, string database)
    {
        // lifeboat 0.1 put the database's name into file names as it was: such a file is a backup of that database.
        Assert.Equal(database, BackupNaming.Parse(fileName)?.Database);
    }

    [Fact]
    public void The_backups_of_a_database_are_looked_for_under_its_encoded_name_and_the_name_lifeboat_0_1_wrote()
    {
        Assert.Equal(["a%3Ab_backup_", "a:b_backup_"], BackupNaming.Prefixes("a:b"));
        Assert.Equal(["celestial_signs_backup_"], BackupNaming.Prefixes("celestial_signs"));
        Assert.Equal(["%2E.%2Fevil_backup_"], BackupNaming.Prefixes("../evil")); // 0.1 could not have written that one inside the folder
    }
}
