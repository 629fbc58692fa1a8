using Lifeboat.Core.Manifest;
using Npgsql;

namespace Lifeboat.Core.Postgres;

/// <summary>Reads what a backup must record from the catalog, on one connection (so inside one snapshot when it has one).</summary>
public sealed partial class CatalogReader(NpgsqlConnection connection, bool inTransaction = false)
{
    public async Task<ServerFacts> ServerFactsAsync(CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version'), current_database(), pg_database_size(current_database()), " +
            // relpages where the statistics know the size: pg_table_size() locks each table, and a migration holding
            // one would make us wait (pg_dump's lock-wait timeout deals with that, once, later). A table never vacuumed
            // or analyzed (reltuples < 0, PostgreSQL 14+) has relpages 0 whatever its size: measured then.
            "COALESCE((SELECT sum(CASE WHEN c.reltuples < 0 AND c.relkind IN ('r','m') THEN pg_table_size(c.oid) " +
            "  ELSE c.relpages::bigint * current_setting('block_size')::bigint END) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "  WHERE c.relkind IN ('r','m','t') AND n.nspname NOT IN ('pg_catalog','information_schema')), 0)",
            connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ServerFacts(PgVersion.FromServerVersionNum(reader.GetInt32(0)), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    /// <summary>User tables (not those of extensions such as PostGIS's spatial_ref_sys), schema-qualified.</summary>
    public async Task<IReadOnlyList<(string Schema, string Name)>> UserTablesAsync(CancellationToken ct)
    {
        const string sql = """
            SELECT n.nspname, c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY 1, 2
            """;
        var tables = new List<(string, string)>();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            tables.Add((reader.GetString(0), reader.GetString(1)));
        return tables;
    }

    /// <summary>
    /// Exact row counts, one round trip per table so a long count can be cancelled between tables. Each table's own
    /// rows (ONLY: not those of its partitions or inheritance children, which are tables of their own here), exactly
    /// what pg_dump writes for it: so the backup's counts can be read from its archive.
    /// <paramref name="ownRowsOnly"/> false counts as Lifeboat did before, for the manifests of that time.
    /// </summary>
    public async Task<IReadOnlyList<TableRows>> CountRowsAsync(IEnumerable<(string Schema, string Name)> tables, CancellationToken ct, bool ownRowsOnly = true)
    {
        var counts = new List<TableRows>();
        foreach (var (schema, name) in tables)
        {
            await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {(ownRowsOnly ? "ONLY " : "")}{Sql.Ident(schema)}.{Sql.Ident(name)}", connection);
            var rows = (long)(await cmd.ExecuteScalarAsync(ct))!;
            counts.Add(new TableRows(schema, name, rows));
        }
        return counts;
    }

    public async Task<IReadOnlyList<ExtensionInfo>> ExtensionsAsync(CancellationToken ct)
    {
        var list = new List<ExtensionInfo>();
        await using var cmd = new NpgsqlCommand(
            "SELECT e.extname, e.extversion, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY 1", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new ExtensionInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return list;
    }

    /// <summary>A scalar that may fail (a table of a known name with other columns): null then, and the snapshot survives.</summary>
    public async Task<string?> TryScalarStringAsync(string sql, CancellationToken ct)
    {
        if (inTransaction)
            await ExecuteAsync("SAVEPOINT lifeboat_try", ct);
        try
        {
            return await ScalarStringAsync(sql, ct);
        }
        catch (PostgresException)
        {
            if (inTransaction)
                await ExecuteAsync("ROLLBACK TO SAVEPOINT lifeboat_try", ct);
            return null;
        }
    }

    public async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<string?> ScalarStringAsync(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is null or DBNull ? null : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Facts about the server and database read once per run.</summary>
public sealed record ServerFacts(PgVersion Version, string VersionText, string Database, long DatabaseSizeBytes, long TableDataBytes);
