using Lifeboat.Core.Postgres;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class PgVersionTests
{
    [Theory]
    [InlineData("pg_dump (PostgreSQL) 15.18 (Debian 15.18-1.pgdg120+1)", 15, 18)]
    [InlineData("pg_restore (PostgreSQL) 17.2", 17, 2)]
    [InlineData("psql (PostgreSQL) 16.4 (Ubuntu 16.4-0ubuntu0.24.04.2)\n", 16, 4)]
    [InlineData("pg_dump (PostgreSQL) 18beta1", 18, 0)]
    [InlineData("pg_dump (PostgreSQL) 18", 18, 0)]
    public void A_tools_version_line_gives_major_and_minor(string output, int major, int minor)
    {
        Assert.Equal(new PgVersion(major, minor), PgVersion.ParseToolOutput(output));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pg_dump: command not found")]
    [InlineData("PostgreSQL 15.18")]
    public void Output_without_a_version_gives_null(string output)
    {
        Assert.Null(PgVersion.ParseToolOutput(output));
    }

    [Theory]
    [InlineData(150018, 15, 18)]
    [InlineData(170002, 17, 2)]
    [InlineData(100000, 10, 0)]
    public void The_servers_version_number_gives_major_and_minor(int number, int major, int minor)
    {
        Assert.Equal(new PgVersion(major, minor), PgVersion.FromServerVersionNum(number));
    }

    [Fact]
    public void A_version_prints_as_major_dot_minor()
    {
        Assert.Equal("15.18", new PgVersion(15, 18).ToString());
    }
}
