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
    public async Task SwapAsync(string staging, string target, string old, bool targetExists, CancellationToken ct)
    {
        if (!targetExists)
        {
            await ExecAsync($"ALTER DATABASE {Sql.Ident(staging)} RENAME TO {Sql.Ident(target)}", ct);
            log?.Invoke($"renamed {staging} to {target}");
            return;
        }

        await ExecAsync($"ALTER DATABASE {Sql.Ident(target)} ALLOW_CONNECTIONS false", ct);
        log?.Invoke($"blocked new connections to {target}");
        var renamedTarget = false;
        try
        {
            await RenameEndingSessionsAsync(target, old, ct);
            renamedTarget = true;
            log?.Invoke($"renamed {target} to {old}");
            await ExecAsync($"ALTER DATABASE {Sql.Ident(staging)} RENAME TO {Sql.Ident(target)}", ct);
            log?.Invoke($"renamed {staging} to {target}");
        }
        catch (Exception e)
        {
            // Put things back as they were: the original keeps its name and takes connections again.
            if (renamedTarget)
                await TryExecAsync($"ALTER DATABASE {Sql.Ident(old)} RENAME TO {Sql.Ident(target)}");
            await TryExecAsync($"ALTER DATABASE {Sql.Ident(target)} ALLOW_CONNECTIONS true");
            if (e is OperationCanceledException)
                throw;
            throw e as LifeboatException ?? new LifeboatException($"unable to swap in the restored database: {e.Message}",
                $"'{target}' is unchanged and takes connections again", ExitCodes.Failure, e);
        }
    }

    /// <summary>Ends the target's sessions and renames it, again and again until it works or the time is up.</summary>
    private async Task RenameEndingSessionsAsync(string target, string old, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using (var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", maintenance))
            {
                terminate.Parameters.Add(new NpgsqlParameter { Value = target });
                var ended = (long)(await terminate.ExecuteScalarAsync(ct))!;
                if (ended > 0)
                    log?.Invoke($"ended {ended} sessions on {target}");
            }
            try
            {
                await ExecAsync($"ALTER DATABASE {Sql.Ident(target)} RENAME TO {Sql.Ident(old)}", ct);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                throw new LifeboatException($"unable to swap in the restored database: sessions on '{target}' did not end within {timeout.TotalSeconds:0} s",
                    $"'{target}' is unchanged; stop the clients that hold it (or use --target-db) and run again", ExitCodes.Failure, e);
            }
        }
    }

    private async Task ExecAsync(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, maintenance);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task TryExecAsync(string sql)
    {
        try { await ExecAsync(sql, CancellationToken.None); }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException) { log?.Invoke($"rollback step failed: {sql}: {e.Message}"); }
    }
}
