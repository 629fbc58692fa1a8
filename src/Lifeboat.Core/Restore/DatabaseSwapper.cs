using Lifeboat.Core.Errors;
using Lifeboat.Core.Postgres;
using Npgsql;

namespace Lifeboat.Core.Restore;

/// <summary>
/// Puts the verified staging database in place of the target under live clients: block new connections first
/// (pools reconnect at once, so ending sessions alone races), end the sessions, rename target → old and
/// staging → target, then drop the old one. Bounded in time; on failure it rolls back and the target is as before.
/// </summary>
public sealed class DatabaseSwapper(NpgsqlConnection maintenance, TimeSpan timeout, Action<string>? log)
{
    /// <summary>Swaps; returns how many sessions on the target it ended (they reconnect to the restored database).</summary>
    public async Task<int> SwapAsync(string staging, string target, string old, bool targetExists, CancellationToken ct)
    {
        await WaitForSessionsToEndAsync(staging, ct); // the restore's and the verification's, closed a moment ago
        if (!targetExists)
        {
            await ExecAsync($"ALTER DATABASE {Sql.Ident(staging)} RENAME TO {Sql.Ident(target)}", ct);
            log?.Invoke($"renamed {staging} to {target}");
            return 0;
        }

        await ExecAsync($"ALTER DATABASE {Sql.Ident(target)} ALLOW_CONNECTIONS false", ct);
        log?.Invoke($"blocked new connections to {target}");
        try
        {
            var ended = await RenameBothEndingSessionsAsync(staging, target, old, ct);
            log?.Invoke($"renamed {target} to {old} and {staging} to {target}, in one transaction");
            return ended;
        }
        catch (Exception e)
        {
            // Both renames were one transaction: on failure neither happened. The original takes connections again.
            await TryExecAsync($"ALTER DATABASE {Sql.Ident(target)} ALLOW_CONNECTIONS true");
            if (e is OperationCanceledException)
                throw;
            throw e as LifeboatException ?? new LifeboatException($"unable to swap in the restored database: {e.Message}",
                $"'{target}' is unchanged and takes connections again", ExitCodes.Failure, e);
        }
    }

    /// <summary>
    /// Ends the target's sessions and renames target → old and staging → target in one transaction (ALTER DATABASE
    /// RENAME may run in one, unlike CREATE/DROP DATABASE), so there is never a moment without a database of that
    /// name, and a failure leaves the original in place. Retried until it works or the time is up; returns the sessions ended.
    /// </summary>
    private async Task<int> RenameBothEndingSessionsAsync(string staging, string target, string old, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var total = 0;
        while (true)
        {
            await using (var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", maintenance))
            {
                terminate.Parameters.Add(new NpgsqlParameter { Value = target });
                var ended = (long)(await terminate.ExecuteScalarAsync(ct))!;
                if (ended > 0)
                {
                    total += (int)ended;
                    log?.Invoke($"ended {ended} sessions on {target}");
                    await WaitForSessionsToEndAsync(target, ct);
                }
            }
            await using var transaction = await maintenance.BeginTransactionAsync(ct);
            try
            {
                await ExecAsync($"ALTER DATABASE {Sql.Ident(target)} RENAME TO {Sql.Ident(old)}", ct);
                await ExecAsync($"ALTER DATABASE {Sql.Ident(staging)} RENAME TO {Sql.Ident(target)}", ct);
                await transaction.CommitAsync(ct);
                return total;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && DateTime.UtcNow < deadline)
            {
                await transaction.RollbackAsync(CancellationToken.None);
                await Task.Delay(100, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                await transaction.RollbackAsync(CancellationToken.None);
                // PostgreSQL's detail says what holds it: other sessions, or prepared transactions that no session ending can free.
                throw new LifeboatException($"unable to swap in the restored database: '{target}' was still in use after {timeout.TotalSeconds:0} s" +
                    (e.Detail is { Length: > 0 } detail ? $" ({detail.TrimEnd('.')})" : ""),
                    $"'{target}' is unchanged; stop what holds it (pg_stat_activity, pg_prepared_xacts), give it longer with --swap-timeout, or use --target-db", ExitCodes.Failure, e);
            }
        }
    }

    /// <summary>
    /// A session that has closed or was ended still counts until its server process has exited, and a RENAME that meets
    /// one sleeps 100 ms before it looks again (PostgreSQL's CountOtherDBBackends): waiting here in 5 ms steps is faster.
    /// Gives up quietly after a second: the RENAME then waits, or fails, as it would have.
    /// </summary>
    private async Task WaitForSessionsToEndAsync(string database, CancellationToken ct)
    {
        var giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", maintenance);
        count.Parameters.Add(new NpgsqlParameter { Value = database });
        while ((long)(await count.ExecuteScalarAsync(ct))! > 0 && DateTime.UtcNow < giveUp)
            await Task.Delay(5, ct);
    }

    private Task ExecAsync(string sql, CancellationToken ct) => maintenance.ExecuteAsync(sql, ct);

    private async Task TryExecAsync(string sql)
    {
        try { await ExecAsync(sql, CancellationToken.None); }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException) { log?.Invoke($"rollback step failed: {sql}: {e.Message}"); }
    }
}
