using Lifeboat.Core.Postgres;
using Npgsql;

namespace Lifeboat.Core.Staging;

/// <summary>
/// Scratch databases that runs killed before they could drop them left behind (each a full copy of a database).
/// A live run holds a session advisory lock keyed by its scratch database's name; a database whose lock is free and
/// that no one but lifeboat's own tools is connected to belongs to a run that is gone.
/// </summary>
public static class Leftovers
{
    /// <summary>The first key of lifeboat's advisory locks ("LB"); the second is hashtext of the name.</summary>
    private const int LockClass = 0x4C42;

    /// <summary>Every scratch database on the server (of <paramref name="database"/> only, when given), with whether its run is alive.</summary>
    public static async Task<IReadOnlyList<Leftover>> FindAsync(NpgsqlConnection maintenance, string? database, CancellationToken ct)
    {
        var found = new List<Leftover>();
        await using var cmd = new NpgsqlCommand(
            "SELECT d.datname, pg_database_size(d.oid), " +
            "(SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid AND a.application_name IS DISTINCT FROM 'lifeboat') " +
            "FROM pg_database d WHERE d.datname LIKE '%\\_\\_lifeboat\\_%' ORDER BY 1", maintenance);
        var rows = new List<(string Name, long Size, long Others)>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }
        foreach (var (name, size, others) in rows)
        {
            if (StagingName.TryParse(name) is not { } parsed || (database is not null && !parsed.IsFor(database)))
                continue;
            var state = await StateOfAsync(maintenance, name, parsed, others, ct);
            found.Add(new Leftover(name, parsed, size, state.Dead, state.Why));
        }
        return found;
    }

    /// <summary>Drops the dead ones among <paramref name="database"/>'s scratch databases (all databases' when null); returns what it dropped.</summary>
    public static async Task<IReadOnlyList<Leftover>> DropDeadAsync(NpgsqlConnection maintenance, string? database, CancellationToken ct)
    {
        var dropped = new List<Leftover>();
        foreach (var leftover in (await FindAsync(maintenance, database, ct)).Where(l => l.Dead))
        {
            // Held while dropping, so that two runs cleaning up at once do not both try.
            if (!await TryHoldAsync(maintenance, leftover.Name, ct))
                continue;
            try
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Sql.Ident(leftover.Name)} WITH (FORCE)", maintenance);
                await drop.ExecuteNonQueryAsync(ct);
                dropped.Add(leftover);
            }
            finally
            {
                await ReleaseAsync(maintenance, leftover.Name);
            }
        }
        return dropped;
    }

    private static async Task<(bool Dead, string Why)> StateOfAsync(NpgsqlConnection maintenance, string name, StagingName parsed, long others, CancellationToken ct)
    {
        var thisHost = parsed.IsFromThisHost;
        var processAlive = thisHost && ProcessIsAlive(parsed.ProcessId);
        if (processAlive)
            return (false, $"in use by process {parsed.ProcessId} on this host");
        if (others > 0)
            return (false, $"{others} session(s) of other programs are connected to it");
        // A killed run's session can take a moment to end on the server: give it that moment when we know the process is gone.
        var deadline = DateTime.UtcNow + (thisHost ? TimeSpan.FromSeconds(3) : TimeSpan.Zero);
        while (true)
        {
            if (await TryHoldAsync(maintenance, name, ct))
            {
                await ReleaseAsync(maintenance, name);
                return (true, thisHost ? $"process {parsed.ProcessId} on this host has exited" : "its run on another host no longer holds it");
            }
            if (DateTime.UtcNow >= deadline)
                return (false, thisHost ? "its run's session is still open" : "a run on another host holds it");
            await Task.Delay(100, ct);
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

    private static async Task<bool> TryHoldAsync(NpgsqlConnection maintenance, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, hashtext($2))", maintenance);
        cmd.Parameters.Add(new NpgsqlParameter { Value = LockClass });
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
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

    internal static bool ProcessIsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}

/// <summary>A scratch database found on the server: whether the run that made it is gone, and why we think so.</summary>
public sealed record Leftover(string Name, StagingName Parsed, long SizeBytes, bool Dead, string Why);
