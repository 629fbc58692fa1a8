using Lifeboat.Core.Errors;
using Lifeboat.Core.Restore;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class TimeExpressionTests
{
    static readonly DateTimeOffset Now = new(2025, 10, 25, 9, 30, 0, TimeSpan.FromHours(2));

    static DateTimeOffset Local(int year, int month, int day, int hour, int minute, int second = 0) =>
        new(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Local));

    [Fact]
    public void A_date_and_time_as_typed_is_local_time()
    {
        Assert.Equal(Local(2025, 10, 24, 22, 0), TimeExpression.Parse("2025-10-24 22:00", Now));
        Assert.Equal(Local(2025, 10, 24, 22, 0, 15), TimeExpression.Parse("2025-10-24 22:00:15", Now));
        Assert.Equal(Local(2025, 10, 24, 0, 0), TimeExpression.Parse("2025-10-24", Now));
        Assert.Equal(Local(2025, 10, 24, 22, 0), TimeExpression.Parse("  2025-10-24 22:00  ", Now));
    }

    [Fact]
    public void A_backups_own_timestamp_is_accepted()
    {
        Assert.Equal(Local(2025, 10, 24, 22, 0, 5), TimeExpression.Parse("20251024_220005", Now));
    }

    [Fact]
    public void Iso_8601_with_an_offset_is_that_instant()
    {
        var parsed = TimeExpression.Parse("2025-10-24T22:00:00+02:00", Now);

        Assert.Equal(new DateTimeOffset(2025, 10, 24, 20, 0, 0, TimeSpan.Zero), parsed);
        Assert.Equal(new DateTimeOffset(2025, 10, 24, 20, 0, 0, TimeSpan.Zero), TimeExpression.Parse("2025-10-24T20:00:00Z", Now));
        Assert.Equal(new DateTimeOffset(2025, 10, 24, 20, 0, 0, TimeSpan.Zero), TimeExpression.Parse("2025-10-24T15:00:00-05:00", Now));
    }

    [Fact]
    public void Iso_8601_without_an_offset_is_local_time()
    {
        Assert.Equal(Local(2025, 10, 24, 22, 0), TimeExpression.Parse("2025-10-24T22:00", Now));
        Assert.Equal(Local(2025, 10, 24, 22, 0, 30), TimeExpression.Parse("2025-10-24T22:00:30", Now));
    }

    [Theory]
    [InlineData("2h", 2 * 60)]
    [InlineData("3d", 3 * 24 * 60)]
    [InlineData("30m", 30)]
    [InlineData("45min", 45)]
    [InlineData("1w", 7 * 24 * 60)]
    [InlineData("2h ago", 2 * 60)]
    [InlineData("3 d", 3 * 24 * 60)]
    [InlineData("1.5h", 90)]
    [InlineData("2H", 2 * 60)]
    public void A_relative_time_is_that_long_before_now(string text, int minutesAgo)
    {
        Assert.Equal(Now.AddMinutes(-minutesAgo), TimeExpression.Parse(text, Now));
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("2 hours ago")]
    [InlineData("2x")]
    [InlineData("in 2h")]
    [InlineData("2025-13-40 22:00")]
    [InlineData("22:00 tomorrow")]
    public void Anything_else_is_a_usage_error(string text)
    {
        var error = Assert.Throws<LifeboatException>(() => TimeExpression.Parse(text, Now));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("--at", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
    }

    [Theory]
    [InlineData("26h", 26 * 60)]
    [InlineData("35d", 35 * 24 * 60)]
    [InlineData("2w", 14 * 24 * 60)]
    [InlineData("90s", 1.5)]
    public void A_duration_option_reads_the_same_units(string text, double minutes)
    {
        Assert.Equal(TimeSpan.FromMinutes(minutes), TimeExpression.ParseSpan(text, "--max-age"));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("26")]
    [InlineData("2025-10-24")]
    public void A_duration_option_that_is_not_a_duration_is_a_usage_error_naming_the_option(string text)
    {
        var error = Assert.Throws<LifeboatException>(() => TimeExpression.ParseSpan(text, "--max-age"));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("--max-age", error.Message, StringComparison.Ordinal);
    }
}
