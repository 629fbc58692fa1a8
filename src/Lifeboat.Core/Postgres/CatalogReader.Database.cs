using Lifeboat.Core.Manifest;
using Npgsql;

namespace Lifeboat.Core.Postgres;

public sealed partial class CatalogReader
{
    /// <summary>
    /// The database's own properties, which pg_dump writes only with --create (PostgreSQL 11+): owner, comment,
    /// connection limit, ALTER DATABASE/ROLE … SET and the privileges on it.
    /// </summary>
    public async Task<DatabaseProperties> DatabasePropertiesAsync(CancellationToken ct)
    {
        string owner;
        string? comment;
        int connLimit;
        bool defaultAcl;
        string encoding, collate, ctype;
        await using (var cmd = new NpgsqlCommand(
            "SELECT pg_get_userbyid(d.datdba), shobj_description(d.oid, 'pg_database'), d.datconnlimit, d.datacl IS NULL, " +
            "pg_encoding_to_char(d.encoding), d.datcollate, d.datctype " +
            "FROM pg_database d WHERE d.datname = current_database()", connection))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            owner = reader.GetString(0);
            comment = reader.IsDBNull(1) ? null : reader.GetString(1);
            connLimit = reader.GetInt32(2);
            defaultAcl = reader.GetBoolean(3);
            (encoding, collate, ctype) = (reader.GetString(4), reader.GetString(5), reader.GetString(6));
        }

        var settings = new List<string>();
        var roleSettings = new List<RoleSettings>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END, s.setconfig " +
            "FROM pg_db_role_setting s WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1 NULLS FIRST", connection))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var config = reader.GetFieldValue<string[]>(1);
                if (reader.IsDBNull(0))
                    settings.AddRange(config);
                else
                    roleSettings.Add(new RoleSettings(reader.GetString(0), config));
            }
        }

        List<DatabaseGrant>? grants = null;
        if (!defaultAcl)
        {
            grants = [];
            await using var cmd = new NpgsqlCommand(
                "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, a.is_grantable " +
                "FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = current_database() ORDER BY 1, 2", connection);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                grants.Add(new DatabaseGrant(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        }

        return new DatabaseProperties
        {
            Owner = owner,
            Encoding = encoding,
            Collate = collate,
            Ctype = ctype,
            Comment = comment,
            ConnectionLimit = connLimit,
            Settings = settings,
            RoleSettings = roleSettings,
            Grants = grants,
        };
    }
}
