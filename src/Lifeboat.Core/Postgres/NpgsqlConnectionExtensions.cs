using Npgsql;

namespace Lifeboat.Core.Postgres;

/// <summary>The ways every service runs a statement: one without results (DDL), and one whose first column is a set of names.</summary>
public static class NpgsqlConnectionExtensions
{
    /// <summary>The first column of every row, as a set; <paramref name="parameter"/>, when given, is $1.</summary>
    public static async Task<HashSet<string>> ReadSetAsync(this NpgsqlConnection connection, string sql, CancellationToken ct, object? parameter = null)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
            cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            set.Add(reader.GetString(0));
        return set;
    }

    public static async Task ExecuteAsync(this NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
