using System.Diagnostics;
using System.Globalization;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Logging;
using Lifeboat.Core.Postgres;
using Npgsql;

namespace Lifeboat.Core.Staging;

/// <summary>
/// Gives a loaded database the optimizer statistics that pg_restore and psql leave out (pg_statistic is not dumped):
/// vacuumdb --analyze-only over the restore's jobs, before the swap, so the application that reconnects does not plan
/// blind until autovacuum gets round to each table.
/// </summary>
public sealed class StatisticsAnalyzer(ConnectionSettings settings, OperationLog? log)
{
    public const string Tool = "vacuumdb";

    /// <summary>
    /// pg_restore and a plain dump's script set statement_timeout to 0 for their session; vacuumdb does not, and a
    /// role's timeout would stop the ANALYZE of a large table half way.
    /// </summary>
    private const string SessionOptions = "-c statement_timeout=0";

    /// <summary>
    /// Finds vacuumdb with the other tools, before any work: a restore that would load for an hour and then find no
    /// vacuumdb is refused at once, with the way around it.
    /// </summary>
    public static async Task<PgTool> FindAsync(ToolLocator tools, int serverMajor, CancellationToken ct)
    {
        try
        {
            return await tools.FindAsync(Tool, serverMajor, ct);
        }
        catch (LifeboatException e)
        {
            throw new LifeboatException(e.Message, $"{e.Hint}; or restore with --no-analyze (then run ANALYZE yourself)", e.ExitCode, e);
        }
    }

    /// <summary>
    /// vacuumdb before PostgreSQL 18 analyzes a partitioned table's partitions but not the table itself, whose statistics
    /// (over all its partitions) the planner uses for queries on it; autovacuum never analyzes it either. Each one still
    /// without statistics after vacuumdb gets its own ANALYZE, so the coverage matches the original on every major.
    /// </summary>
    private async Task AnalyzePartitionedParentsAsync(string database, CancellationToken ct)
    {
        await using var connection = await PostgresConnector.OpenAsync(settings.WithDatabase(database), ct);
        await connection.ExecuteAsync("SET statement_timeout = 0", ct);
        // pg_stats, not pg_statistic: only a superuser may read pg_statistic, and the database's owner restores too.
        var parents = await connection.ReadSetAsync("""
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'p'
              AND NOT EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname)
            """, ct);
        foreach (var parent in parents.Order(StringComparer.Ordinal))
        {
            try
            {
                await connection.ExecuteAsync($"ANALYZE {parent}", ct);
                log?.Info($"analyzed the partitioned table {parent} (vacuumdb leaves it out before PostgreSQL 18)");
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                log?.Warn($"the partitioned table {parent} was not analyzed: {e.MessageText}; run ANALYZE {parent} as its owner");
            }
        }
    }

    /// <summary>"1 job", "2 jobs": as the progress, the log and the summary say it.</summary>
    public static string Jobs(int jobs) => jobs == 1 ? "1 job" : $"{jobs.ToString(CultureInfo.InvariantCulture)} jobs";

    /// <summary>vacuumdb's arguments: the connection travels in the environment, never on the command line.</summary>
    public static IReadOnlyList<string> Arguments(string database, int jobs) =>
        ["--no-password", "--analyze-only", "--jobs", Math.Max(1, jobs).ToString(CultureInfo.InvariantCulture), "--dbname", database];

    /// <summary>Analyzes every table of <paramref name="database"/>; returns how long it took. Its stderr goes to the log.</summary>
    public async Task<TimeSpan> AnalyzeAsync(PgTool vacuumdb, string database, int jobs, string? hint, CancellationToken ct)
    {
        var arguments = Arguments(database, jobs);
        log?.Info($"analyzing {database}: {vacuumdb.Path} {string.Join(' ', arguments)}");
        var stopwatch = Stopwatch.StartNew();
        var result = await ToolRunner.RunAsync(vacuumdb, arguments, settings, database, ct,
            extraEnvironment: new Dictionary<string, string?> { ["PGOPTIONS"] = SessionOptions });
        stopwatch.Stop();
        // Its warnings do not fail it: a database owner who is not a superuser is told that the shared catalogs
        // (pg_authid, ...) are skipped, and every table of the backup is still analyzed. Only the exit code counts.
        log?.ToolOutput(vacuumdb.Name, result.StandardError);
        if (!result.Succeeded)
            throw result.ToException(hint);
        await AnalyzePartitionedParentsAsync(database, ct);
        // bench/run reads the time from this line: "analyzed <database> in 1.234 s with 2 jobs".
        log?.Info($"analyzed {database} in {stopwatch.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s with {Jobs(Math.Max(1, jobs))}");
        return stopwatch.Elapsed;
    }
}
