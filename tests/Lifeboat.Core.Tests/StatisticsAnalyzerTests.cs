using Lifeboat.Core.Errors;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Staging;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class StatisticsAnalyzerTests
{
    [Fact]
    public void Vacuumdb_only_analyzes_over_the_jobs_and_never_asks_for_a_password()
    {
        var args = StatisticsAnalyzer.Arguments("shop__lifeboat_20251024200005_abcd_42", 4);

        Assert.Equal(["--no-password", "--analyze-only", "--jobs", "4", "--dbname", "shop__lifeboat_20251024200005_abcd_42"], args);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Fewer_than_one_job_is_one(int jobs) =>
        Assert.Equal("1", StatisticsAnalyzer.Arguments("shop", jobs)[3]);

    [Theory]
    [InlineData(1, "1 job")]
    [InlineData(2, "2 jobs")]
    [InlineData(16, "16 jobs")]
    public void Jobs_are_counted_in_words(int jobs, string words) => Assert.Equal(words, StatisticsAnalyzer.Jobs(jobs));

    [Fact]
    public void The_connection_is_never_on_the_command_line()
    {
        // Host, port, user and password travel in the environment (see ConnectionSettings.ChildEnvironment).
        var args = StatisticsAnalyzer.Arguments("shop", 2);

        Assert.DoesNotContain(args, a => a is "-h" or "--host" or "-p" or "--port" or "-U" or "--username" or "-W" or "--password");
        Assert.DoesNotContain(args, a => a.Contains('=') || a.StartsWith("postgres", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pg_bin_without_vacuumdb_is_refused_with_no_analyze_as_the_way_around_it()
    {
        var bin = Directory.CreateTempSubdirectory("lifeboat-empty-bin-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<LifeboatException>(() => StatisticsAnalyzer.FindAsync(new ToolLocator(bin), 15, CancellationToken.None));

            Assert.Equal(ExitCodes.Tool, e.ExitCode);
            Assert.Contains("vacuumdb not found", e.Message);
            Assert.Contains(bin, e.Message);
            Assert.Contains("--pg-bin", e.Hint);
            Assert.EndsWith("or restore with --no-analyze (then run ANALYZE yourself)", e.Hint);
        }
        finally
        {
            Directory.Delete(bin);
        }
    }
}
