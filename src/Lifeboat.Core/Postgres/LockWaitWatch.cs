using System.Globalization;
using Npgsql;

namespace Lifeboat.Core.Postgres;

/// <summary>
/// Watches a run's sessions (its own connection, and the pg_dumps started with <see cref="ApplicationName"/>) from a
/// connection of its own while they work, and remembers who blocks them when one waits for a lock: so that a lock
/// timeout can name the blocking session. pg_dump's --lock-wait-timeout only bounds its first LOCK TABLEs (pg_dump
/// resets lock_timeout and statement_timeout itself), so a wait that lasts longer than <paramref name="timeout"/>
/// plus a second anywhere else (a locked sequence, the migration history's pg_dump) cancels <see cref="Token"/>.
/// Watching is a help, never a failure: if its connection cannot be opened or breaks, it stops watching.
/// </summary>
public sealed class LockWaitWatch : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _run;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _lock = new();
    private IReadOnlyList<LockHolder> _blockers = [];
    private bool _disposed;

    private LockWaitWatch(ConnectionSettings settings, int ownBackend, TimeSpan timeout, CancellationToken ct)
    {
        Timeout = timeout;
        ApplicationName = $"lifeboat pg_dump {Environment.ProcessId}";
        _run = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _loop = Task.Run(() => WatchAsync(settings, ownBackend, _stop.Token));
    }

    /// <summary>Starts watching <paramref name="ownBackend"/> (our connection's backend pid) and the run's pg_dumps.</summary>
    public static LockWaitWatch Start(ConnectionSettings settings, int ownBackend, TimeSpan timeout, CancellationToken ct) =>
        new(settings, ownBackend, timeout, ct);

    /// <summary>How long a lock may be waited for.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The application_name (PGAPPNAME) a pg_dump of this run must have to be watched.</summary>
    public string ApplicationName { get; }

    /// <summary>The run's token: cancelled with the caller's, or when a lock wait outlasts the timeout (<see cref="Fired"/>).</summary>
    public CancellationToken Token => _run.Token;

    /// <summary>True when the watch stopped the run because a lock wait outlasted the timeout.</summary>
    public bool Fired { get; private set; }

    /// <summary>The sessions that blocked the run when it last waited for a lock (empty if it never did, as far as seen).</summary>
    public IReadOnlyList<LockHolder> Blockers
    {
        get { lock (_lock) return _blockers; }
    }

    private async Task WatchAsync(ConnectionSettings settings, int ownBackend, CancellationToken stop)
    {
        const string sql = """
            SELECT w.pid, blocker.pid, b.usename, b.application_name, b.state, b.xact_start, b.query_start, now()
            FROM pg_stat_activity w
            CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS blocker(pid)
            LEFT JOIN pg_stat_activity b ON b.pid = blocker.pid
            WHERE w.wait_event_type = 'Lock' AND (w.pid = @own OR w.application_name = @app) AND w.pid <> pg_backend_pid()
            ORDER BY w.pid, blocker.pid
            """;
        var waitingSince = new Dictionary<int, DateTime>();
        try
        {
            await using var connection = await PostgresConnector.OpenAsync(settings, stop);
            await using var cmd = new NpgsqlCommand(sql, connection);
            cmd.Parameters.AddWithValue("own", ownBackend);
            cmd.Parameters.AddWithValue("app", ApplicationName);
            while (!stop.IsCancellationRequested)
            {
                var seen = new Dictionary<int, List<LockHolder>>();
                await using (var reader = await cmd.ExecuteReaderAsync(stop))
                {
                    while (await reader.ReadAsync(stop))
                    {
                        var holder = new LockHolder(reader.GetInt32(1), Text(reader, 2), Text(reader, 3), Text(reader, 4), Time(reader, 5), Time(reader, 6),
                            reader.GetFieldValue<DateTimeOffset>(7));
                        if (!seen.TryGetValue(reader.GetInt32(0), out var list))
                            seen[reader.GetInt32(0)] = list = [];
                        list.Add(holder);
                    }
                }
                var now = DateTime.UtcNow;
                foreach (var gone in waitingSince.Keys.Except(seen.Keys).ToList())
                    waitingSince.Remove(gone);
                foreach (var (waiter, holders) in seen)
                {
                    lock (_lock)
                        _blockers = holders.DistinctBy(h => h.Pid).ToList();
                    var since = waitingSince.TryAdd(waiter, now) ? now : waitingSince[waiter];
                    if (now - since >= Timeout + Grace)
                    {
                        Fired = true;
                        await _run.CancelAsync();
                        return;
                    }
                }
                await Task.Delay(PollInterval, stop);
            }
        }
        catch (Exception)
        {
            // Stopped, or unable to watch (whatever the reason: a session that ended between pg_blocking_pids and
            // the join, a broken connection): the timeouts given to PostgreSQL and pg_dump still bound the waits,
            // and a watch must never fail the backup it watches.
        }

        static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
        static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _stop.CancelAsync();
        try { await _loop; }
        catch (Exception) { /* WatchAsync catches everything; never let a watch fail the run */ }
        _stop.Dispose();
        _run.Dispose();
    }
}

/// <summary>A session that holds a lock another one waits for, as pg_stat_activity shows it (pid 0: a prepared transaction).</summary>
public sealed record LockHolder(int Pid, string? User, string? Application, string? State, DateTimeOffset? TransactionStart,
    DateTimeOffset? QueryStart, DateTimeOffset SeenAt)
{
    /// <summary>"pid 4242 (user 'app', application 'psql', idle in transaction, its transaction started 2026-12-01 22:53:58 +00:00, 41 s ago)".</summary>
    public string Describe()
    {
        if (Pid == 0)
            return "a prepared transaction (pg_prepared_xacts shows it)";
        var parts = new List<string>();
        if (User is not null)
            parts.Add($"user '{User}'");
        if (!string.IsNullOrEmpty(Application))
            parts.Add($"application '{Application}'");
        if (State is not null)
            parts.Add(State);
        if (TransactionStart is { } xact)
            parts.Add($"its transaction started {When(xact)}");
        if (QueryStart is { } query && query != TransactionStart)
            parts.Add($"its last query started {When(query)}");
        return parts.Count == 0 ? $"pid {Pid}" : $"pid {Pid} ({string.Join(", ", parts)})";
    }

    private string When(DateTimeOffset at) =>
        $"{at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)}, {Units.Duration(SeenAt - at)} ago";
}
