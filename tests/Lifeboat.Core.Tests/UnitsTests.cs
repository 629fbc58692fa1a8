using Lifeboat.Core;
using Xunit;

namespace Lifeboat.Core.Tests;

/// <summary>How a limit or an age is printed: in the nearest readable unit, never "0 h" for a minute.</summary>
public sealed class UnitsTests
{
    [Theory]
    [InlineData(45, "45 s")]
    [InlineData(60, "1 min")]
    [InlineData(90, "1.5 min")]
    [InlineData(300, "5 min")]
    [InlineData(3600, "1 h")]
    [InlineData(26 * 3600, "26 h")]
    [InlineData(2 * 86400, "2 days")]
    [InlineData(35 * 86400, "35 days")]
    public void A_span_prints_in_the_nearest_readable_unit(int seconds, string expected)
    {
        Assert.Equal(expected, Units.Span(TimeSpan.FromSeconds(seconds)));
    }
}
