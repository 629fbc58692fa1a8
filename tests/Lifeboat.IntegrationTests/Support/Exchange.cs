using System.Globalization;
using System.Text;
using Npgsql;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>
/// The folder scripts/test-majors shares between PostgreSQL majors (LIFEBOAT_EXCHANGE): each major's export writes
/// a backup of the fixture there with what its data and properties were, and every other major restores or refuses it.
/// </summary>
public static class Exchange
{
    public static string Folder => Environment.GetEnvironmentVariable("LIFEBOAT_EXCHANGE") is { Length: > 0 } folder
        ? folder
        : throw new InvalidOperationException("LIFEBOAT_EXCHANGE is not set: the upgrade-path specs run under scripts/test-majors, which sets it");

    /// <summary>Every major scripts/test-majors exported this run (LIFEBOAT_EXCHANGE_MAJORS), this machine's among them.</summary>
    public static IReadOnlyList<int> Majors =>
        (Environment.GetEnvironmentVariable("LIFEBOAT_EXCHANGE_MAJORS") ?? "")
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Select(m => int.Parse(m, CultureInfo.InvariantCulture))
        .Distinct()
        .Order()
        .ToList();

    public static string Of(int major) => Path.Combine(Folder, $"pg{major}");

    /// <summary>The backup folder of one format of a major's export.</summary>
    public static string Backups(int major, string format) => Path.Combine(Of(major), format);

    /// <summary>The database a major's export backed up, and the roles it is owned by and granted to.</summary>
    public static string DatabaseOf(int major) => $"upgrade_pg{major}";
    public static string OwnerOf(int major) => $"upgrade_owner_pg{major}";
    public static string ReaderOf(int major) => $"upgrade_reader_pg{major}";

    public static string FingerprintFile(int major) => Path.Combine(Of(major), "fingerprint.txt");

    /// <summary>
    /// What a database holds, as text equal for equal data across majors: its properties (owner, privileges, comment,
    /// settings), then every user table with its row count and an MD5 of all its rows, and the Alembic version.
    /// Rows are read as text with the settings that make text the same on every server (time zone, styles).
    /// </summary>
    public static async Task<string> FingerprintAsync(PostgresServer server, string database)
    {
        var text = new StringBuilder();
        await using var connection = new NpgsqlConnection(server.ConnectionString(database));
        await connection.OpenAsync();
        await using (var settings = new NpgsqlCommand("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1", connection))
            await settings.ExecuteNonQueryAsync();

        await using (var properties = new NpgsqlCommand("""
            SELECT pg_get_userbyid(d.datdba) || ' | ' || coalesce(d.datacl::text, 'default') || ' | ' || coalesce(shobj_description(d.oid, 'pg_database'), '-')
                || ' | ' || coalesce((SELECT string_agg(coalesce(pg_get_userbyid(NULLIF(s.setrole, 0)), '*') || ':' || array_to_string(s.setconfig, ';'), ' / ' ORDER BY s.setrole)
                                      FROM pg_db_role_setting s WHERE s.setdatabase = d.oid), '-')
            FROM pg_database d WHERE d.datname = current_database()
            """, connection))
            text.Append("database: ").Append((string?)await properties.ExecuteScalarAsync()).Append('\n');

        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("""
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY 1
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }
        foreach (var table in tables)
        {
            await using var rows = new NpgsqlCommand(
                $"SELECT count(*)::text || ' ' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '-') FROM ONLY {table} t", connection);
            text.Append(table).Append(": ").Append((string?)await rows.ExecuteScalarAsync()).Append('\n');
        }
        await using (var owners = new NpgsqlCommand(
            "SELECT string_agg(schemaname || '.' || tablename || '=' || tableowner, ',' ORDER BY schemaname, tablename) FROM pg_tables WHERE schemaname = 'app'", connection))
            text.Append("owners: ").Append((string?)await owners.ExecuteScalarAsync()).Append('\n');
        return text.ToString();
    }
}
