using System.Text.RegularExpressions;
using Lifeboat.Core.Postgres;
using Npgsql;

namespace Lifeboat.Core.Staging;

/// <summary>
/// Scratch databases that runs killed before they could drop them left behind (each a full copy of a database).
/// A live run holds a session advisory lock keyed by its scratch database's name. Advisory locks belong to the database
/// a session is connected to, so liveness is read from pg_locks, which shows every database's: a scratch database whose
/// lock no session holds, and that no one but lifeboat's own tools is connected to, belongs to a run that is gone.
/// </summary>
public static partial class Leftovers
{
    /// <summary>The first key of lifeboat's advisory locks ("LB"); the second is hashtext of the name.</summary>
    private const int LockClass = 0x4C42;

    /// <summary>
    /// Every scratch database on the server (of <paramref name="database"/> only, when given), with whether its run is
    /// alive; and the databases restores replaced and kept (never dead: someone may want them).
    /// </summary>
    public static async Task<IReadOnlyList<Leftover>> FindAsync(NpgsqlConnection maintenance, string? database, CancellationToken ct)
    {
        var names = new List<string>();
        await using (var cmd = new NpgsqlCommand(@"SELECT datname FROM pg_database WHERE datname LIKE '%\_\_lifeboat\_%' ORDER BY 1", maintenance))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                names.Add(reader.GetString(0));
        }
        var found = new List<Leftover>();
        foreach (var name in names)
        {
            if (StagingName.TryParse(name) is { } parsed)
            {
                if (database is not null && !parsed.IsFor(database))
                    continue;
                var (dead, why) = await StateOfAsync(maintenance, name, parsed, ct);
                found.Add(new Leftover(name, parsed, await SizeOfAsync(maintenance, name, ct), dead, why));
            }
            else if (ReplacedPattern().Match(name) is { Success: true } replaced && (database is null || database.StartsWith(replaced.Groups["db"].Value, StringComparison.Ordinal)))
            {
                found.Add(new Leftover(name, null, await SizeOfAsync(maintenance, name, ct), false,
                    "the database a restore replaced, kept (--keep-old, or a restore stopped before it dropped it): drop it yourself when it is not needed"));
            }
        }
        return found;
    }

    /// <summary>
    /// Finds <paramref name="database"/>'s scratch databases (all databases' when null) and drops the dead ones; returns
    /// what it found, what it dropped and what it could not (another user's, say), with PostgreSQL's reason. Never fails
    /// for one it cannot drop.
    /// </summary>
    public static async Task<DropOutcome> DropDeadAsync(NpgsqlConnection maintenance, string? database, CancellationToken ct)
    {
        var found = await FindAsync(maintenance, database, ct);
        var dropped = new List<Leftover>();
        var failed = new List<(Leftover, string)>();
        foreach (var leftover in found.Where(l => l.Dead))
        {
            try
            {
                await maintenance.ExecuteAsync($"DROP DATABASE IF EXISTS {Sql.Ident(leftover.Name)} WITH (FORCE)", ct);
                dropped.Add(leftover);
            }
            catch (PostgresException e)
            {
                failed.Add((leftover, e.MessageText));
            }
        }
        return new DropOutcome(found, dropped, failed);
    }

    private static async Task<(bool Dead, string Why)> StateOfAsync(NpgsqlConnection maintenance, string name, StagingName parsed, CancellationToken ct)
    {
        var thisHost = parsed.IsFromThisHost;
        var processGone = thisHost && (parsed.ProcessId == Environment.ProcessId || !LocalProcess.IsAlive(parsed.ProcessId));
        // A killed run's session can take a moment to end on the server: give it that moment when we know the process is gone.
        var deadline = DateTime.UtcNow + (processGone ? TimeSpan.FromSeconds(3) : TimeSpan.Zero);
        while (await LockHeldAsync(maintenance, name, ct))
        {
            if (DateTime.UtcNow >= deadline)
                return (false, thisHost ? $"its run (process {parsed.ProcessId} on this host) still holds it" : "a run on another host holds it");
            await Task.Delay(100, ct);
        }
        var others = await OtherSessionsAsync(maintenance, name, ct);
        if (others > 0)
            return (false, $"{others} session(s) of other programs are connected to it");
        return (true, thisHost ? $"process {parsed.ProcessId} on this host is gone" : "its run on another host is gone");
    }

    private static async Task<bool> LockHeldAsync(NpgsqlConnection maintenance, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND objid = hashtext($2)::oid AND objsubid = 2 AND granted)",
            maintenance);
        cmd.Parameters.Add(new NpgsqlParameter { Value = LockClass });
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task<long> OtherSessionsAsync(NpgsqlConnection maintenance, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name IS DISTINCT FROM 'lifeboat'", maintenance);
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The database's size, or 0 when this user may not see it (no CONNECT right) or it went meanwhile.</summary>
    private static async Task<long> SizeOfAsync(NpgsqlConnection maintenance, string name, CancellationToken ct)
    {
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_database_size($1)", maintenance);
            cmd.Parameters.Add(new NpgsqlParameter { Value = name });
            return await cmd.ExecuteScalarAsync(ct) as long? ?? 0;
        }
        catch (PostgresException)
        {
            return 0;
        }
    }

    /// <summary>Takes the lock that says "this run is alive" for a scratch database, for as long as the session lasts.</summary>
    internal static async Task HoldAsync(NpgsqlConnection maintenance, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_lock($1, hashtext($2))", maintenance);
        cmd.Parameters.Add(new NpgsqlParameter { Value = LockClass });
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    internal static async Task ReleaseAsync(NpgsqlConnection maintenance, string name)
    {
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock($1, hashtext($2))", maintenance);
            cmd.Parameters.Add(new NpgsqlParameter { Value = LockClass });
            cmd.Parameters.Add(new NpgsqlParameter { Value = name });
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The session is gone, and its locks with it.
        }
    }

    [GeneratedRegex(@"^(?<db>.*)__lifeboat_old_\d{14}\z", RegexOptions.Singleline)]
    private static partial Regex ReplacedPattern();
}

/// <summary>
/// A scratch database found on the server (or, with no <see cref="Parsed"/> name, a replaced database a restore kept):
/// whether the run that made it is gone, and why we think so.
/// </summary>
public sealed record Leftover(string Name, StagingName? Parsed, long SizeBytes, bool Dead, string Why);

/// <summary>What <see cref="Leftovers.DropDeadAsync"/> found, dropped, and could not drop (with PostgreSQL's reason).</summary>
public sealed record DropOutcome(IReadOnlyList<Leftover> Found, IReadOnlyList<Leftover> Dropped, IReadOnlyList<(Leftover Leftover, string Reason)> Failed);
