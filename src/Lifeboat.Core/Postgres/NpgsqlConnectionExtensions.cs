using Npgsql;

namespace Lifeboat.Core.Postgres;

/// <summary>One statement without results (DDL: CREATE/ALTER/DROP DATABASE), the way every service runs one.</summary>
public static class NpgsqlConnectionExtensions
{
    public static async Task ExecuteAsync(this NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
