using Lifeboat.Core.Errors;
using Lifeboat.Core.Restore;
using Xunit;

namespace Lifeboat.Core.Tests;

/// <summary>What restore makes of --file, --latest and --at, and which database a --file means when -d is not given.</summary>
public sealed class BackupChoiceTests
{
    private static readonly DateTimeOffset Now = new(2025, 10, 24, 22, 0, 0, TimeSpan.FromHours(2));

    [Theory]
    [InlineData("x.dump.zst", true, null, "--file and --latest")]
    [InlineData("x.dump.zst", false, "2h", "--file and --at")]
    [InlineData(null, true, "2h", "--latest and --at")]
    public void Two_ways_of_choosing_at_once_are_refused_as_a_usage_error(string? file, bool latest, string? at, string named)
    {
        var e = Assert.Throws<LifeboatException>(() => BackupChoice.From(file, latest, at, Now));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void At_is_read_relative_to_now_and_nothing_given_means_pick_from_a_list()
    {
        Assert.Equal(Now.AddHours(-2), BackupChoice.From(null, false, "2h", Now).At);
        Assert.True(BackupChoice.From(null, false, null, Now).IsEmpty);
        Assert.True(BackupChoice.From(null, true, null, Now).Latest);
    }

    [Theory]
    [InlineData("/var/backups/celestial_signs_backup_20251024_220000.dump.zst", "celestial_signs")]
    [InlineData("celestial_signs_backup_20251024_220000", "celestial_signs")]
    [InlineData("backups/%2E.%2Fevil_backup_20251024_220000.sql.gz", "../evil")]
    [InlineData("/tmp/somebody-elses-dump.sql", null)]
    public void A_file_says_which_database_it_is_a_backup_of(string file, string? database)
    {
        Assert.Equal(database, BackupChoice.From(file, false, null, Now).DatabaseFromFile());
    }
}
