using Lifeboat.Core.Errors;
using Npgsql;

namespace Lifeboat.Core.Postgres;

/// <summary>
/// The one place where PostgreSQL's failures during an operation become one line a user can act on (the connection's
/// own failures are translated when it opens, in <see cref="PostgresConnector"/>). Every service's entry point runs through it.
/// </summary>
public static class PostgresFailure
{
    public static async Task<T> TranslateAsync<T>(Func<Task<T>> operation, string verb, string thing)
    {
        try
        {
            return await operation();
        }
        catch (PostgresException e)
        {
            throw Describe(e, verb, thing);
        }
        catch (NpgsqlException e) when (e.InnerException is OperationCanceledException cancelled)
        {
            throw new OperationCanceledException(cancelled.Message, e, cancelled.CancellationToken); // Ctrl-C during a query
        }
        catch (NpgsqlException e)
        {
            throw new LifeboatException($"unable to {verb} '{thing}': the connection to PostgreSQL failed during the run: {e.Message.Split('\n')[0]}",
                "check the server and run again; unfinished work was rolled back or removed", ExitCodes.Connection, e);
        }
    }

    /// <param name="log">The operation's log, when it has one: the hint names it by its path.</param>
    public static LifeboatException Describe(PostgresException e, string verb, string thing, string? log = null) => e.SqlState switch
    {
        PostgresErrorCodes.LockNotAvailable => new LifeboatException(
            $"unable to {verb} '{thing}': another session has held a lock for more than {Defaults.LockTimeoutSeconds} s (a migration still in its transaction?)",
            "finish or cancel that session (pg_stat_activity shows it) and run again; nothing was changed", ExitCodes.Failure, e),
        PostgresErrorCodes.InsufficientPrivilege => new LifeboatException(
            $"unable to {verb} '{thing}': PostgreSQL refused a step: {e.MessageText} (SQLSTATE {e.SqlState})",
            "connect as a user with the right (CREATEDB, the database's owner, or a superuser); nothing existing was changed", ExitCodes.Failure, e),
        _ => new LifeboatException(
            $"unable to {verb} '{thing}': PostgreSQL refused a step: {e.MessageText} (SQLSTATE {e.SqlState})",
            log is null ? "the operation's log has the details; nothing existing was changed" : $"see {log} for the details; nothing existing was changed",
            ExitCodes.Failure, e),
    };
}
