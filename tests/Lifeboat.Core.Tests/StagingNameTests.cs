using System.Text;
using Lifeboat.Core.Staging;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class StagingNameTests
{
    private static readonly DateTimeOffset Now = new(2025, 10, 24, 22, 0, 5, 678, TimeSpan.FromHours(2));
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly string Long63 = new('d', 63);
    private static readonly string Accents = string.Concat(Enumerable.Repeat("é", 31)) + "x"; // 63 bytes, 32 characters
    private static readonly string Elephants = string.Concat(Enumerable.Repeat("🐘", 15)) + "abc"; // 63 bytes, surrogate pairs

    public static TheoryData<string> Databases => new() { "shop", "my db", "Ünïcødé", Long63, Accents, Elephants, "x__lifeboat_20250101000000_abcd_1" };

    [Theory]
    [MemberData(nameof(Databases))]
    public void A_name_fits_in_postgresqls_63_bytes_whatever_the_database_is_called(string database)
    {
        foreach (var kind in Enum.GetValues<StagingKind>())
        {
            var name = StagingName.Create(database, kind, Now, "db-host-01.example.com", int.MaxValue).ToString();

            Assert.True(Encoding.UTF8.GetByteCount(name) <= 63, $"'{name}' is {Encoding.UTF8.GetByteCount(name)} bytes");
        }
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public void The_shortened_database_name_is_a_start_of_the_real_one_never_half_a_character(string database)
    {
        var name = StagingName.Create(database, StagingKind.Verify, Now, "db-host-01", 4242);

        Assert.StartsWith(name.DatabasePrefix, database, StringComparison.Ordinal);
        Assert.NotEqual("", name.DatabasePrefix);
        var bytes = StrictUtf8.GetBytes(name.ToString()); // throws on half a surrogate pair
        Assert.Equal(name.ToString(), StrictUtf8.GetString(bytes));
    }

    [Fact]
    public void A_short_name_is_kept_whole()
    {
        var name = StagingName.Create("shop", StagingKind.Restore, Now, "db-host-01", 4242);

        Assert.Equal("shop", name.DatabasePrefix);
        Assert.StartsWith("shop__lifeboat_20251024200005_", name.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("_4242", name.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public void A_name_parses_back_to_its_kind_time_host_and_process(string database)
    {
        foreach (var kind in Enum.GetValues<StagingKind>())
        {
            var created = StagingName.Create(database, kind, Now, "db-host-01", 4242);

            var parsed = StagingName.TryParse(created.ToString());

            Assert.NotNull(parsed);
            Assert.Equal(kind, parsed.Kind);
            Assert.Equal(new DateTimeOffset(2025, 10, 24, 20, 0, 5, TimeSpan.Zero), parsed.CreatedAt);
            Assert.Equal(TimeSpan.Zero, parsed.CreatedAt.Offset);
            Assert.Equal(created.Host, parsed.Host);
            Assert.Equal(4242, parsed.ProcessId);
            Assert.Equal(created.DatabasePrefix, parsed.DatabasePrefix);
            Assert.Equal(created.ToString(), parsed.ToString());
            Assert.True(parsed.IsFor(database));
        }
    }

    [Fact]
    public void The_host_tag_is_the_same_for_one_machine_and_differs_between_machines()
    {
        var a = StagingName.Create("shop", StagingKind.Restore, Now, "db-host-01", 1);
        var sameHost = StagingName.Create("shop", StagingKind.Restore, Now, "DB-HOST-01", 2);
        var other = StagingName.Create("shop", StagingKind.Restore, Now, "db-host-02", 1);

        Assert.Equal(a.Host, sameHost.Host);
        Assert.NotEqual(a.Host, other.Host);
        Assert.Matches("^[0-9a-f]{4}$", a.Host);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public void A_name_is_for_its_own_database_and_not_for_another(string database)
    {
        var name = StagingName.TryParse(StagingName.Create(database, StagingKind.Restore, Now, "db-host-01", 4242).ToString())!;

        Assert.True(name.IsFor(database));
        Assert.False(name.IsFor("other"));
        Assert.False(name.IsFor("X" + database));
    }

    [Fact]
    public void A_long_database_is_not_taken_for_a_shorter_one_it_starts_with()
    {
        var name = StagingName.Create(Long63, StagingKind.Restore, Now, "db-host-01", 4242);

        Assert.False(name.IsFor("ddd"));
        Assert.False(name.IsFor(name.DatabasePrefix[..^1]));
    }

    [Fact]
    public void A_restore_and_a_verify_of_the_same_database_at_the_same_moment_have_different_names()
    {
        var restore = StagingName.Create("shop", StagingKind.Restore, Now, "db-host-01", 4242);
        var verify = StagingName.Create("shop", StagingKind.Verify, Now, "db-host-01", 4242);

        Assert.NotEqual(restore.ToString(), verify.ToString());
        Assert.Contains("__lifeboat_verify_", verify.ToString());
    }

    [Theory]
    [InlineData("shop")]
    [InlineData("postgres")]
    [InlineData("template1")]
    [InlineData("shop__lifeboat")]
    [InlineData("shop__lifeboat_old_20251024220000")] // the replaced database a --keep-old restore leaves
    [InlineData("db__lifeboat_old_20251024220000")]
    [InlineData("shop__lifeboat_2025102422000_abcd_4242")] // 13 digits
    [InlineData("shop__lifeboat_20251324220000_abcd_4242")] // month 13
    [InlineData("shop__lifeboat_20251024220000_ABCD_4242")] // the host tag is lower-case hex
    [InlineData("shop__lifeboat_20251024220000_abcd_")]
    [InlineData("shop__lifeboat_20251024220000_abcd_99999999999")] // no such process id
    public void Other_database_names_are_not_staging_names(string name)
    {
        Assert.Null(StagingName.TryParse(name));
    }

    [Fact]
    public void A_database_name_that_ends_in_a_newline_is_not_a_staging_name()
    {
        // Cleanup drops dead staging databases WITH (FORCE): a user's database must never be taken for one.
        Assert.Null(StagingName.TryParse("shop__lifeboat_20251024220000_abcd_4242\n"));
    }
}
