using Npgsql;

namespace Lifeboat.Core.Postgres;

public sealed partial class CatalogReader
{
    // Every role the database's objects, privileges and settings name, then the roles those are members of.
    // Objects of pg_catalog/information_schema are left out: they belong to the bootstrap superuser everywhere.
    private const string ReferencedRolesSql = """
        WITH RECURSIVE db AS (SELECT oid, datdba, datacl FROM pg_database WHERE datname = current_database()),
        user_ns AS (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_toast%'),
        refs(oid) AS (
                  SELECT datdba FROM db
            UNION SELECT (aclexplode(datacl)).grantee FROM db
            UNION SELECT setrole FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM db)
            UNION SELECT nspowner FROM pg_namespace WHERE oid IN (SELECT oid FROM user_ns)
            UNION SELECT (aclexplode(nspacl)).grantee FROM pg_namespace WHERE oid IN (SELECT oid FROM user_ns)
            UNION SELECT relowner FROM pg_class WHERE relnamespace IN (SELECT oid FROM user_ns)
            UNION SELECT (aclexplode(relacl)).grantee FROM pg_class WHERE relnamespace IN (SELECT oid FROM user_ns)
            UNION SELECT (aclexplode(attacl)).grantee FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace IN (SELECT oid FROM user_ns) AND a.attacl IS NOT NULL
            UNION SELECT proowner FROM pg_proc WHERE pronamespace IN (SELECT oid FROM user_ns)
            UNION SELECT (aclexplode(proacl)).grantee FROM pg_proc WHERE pronamespace IN (SELECT oid FROM user_ns)
            UNION SELECT typowner FROM pg_type WHERE typnamespace IN (SELECT oid FROM user_ns)
            UNION SELECT (aclexplode(typacl)).grantee FROM pg_type WHERE typnamespace IN (SELECT oid FROM user_ns)
            UNION SELECT defaclrole FROM pg_default_acl
            UNION SELECT (aclexplode(defaclacl)).grantee FROM pg_default_acl
            UNION SELECT extowner FROM pg_extension
            UNION SELECT unnest(polroles) FROM pg_policy
            UNION SELECT evtowner FROM pg_event_trigger
            UNION SELECT (aclexplode(lomacl)).grantee FROM pg_largeobject_metadata
            UNION SELECT lomowner FROM pg_largeobject_metadata
        ),
        closure(oid) AS (
            SELECT oid FROM refs WHERE oid <> 0
            UNION SELECT m.roleid FROM pg_auth_members m JOIN closure c ON m.member = c.oid
        )
        SELECT r.oid, r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
               r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil::text,
               ARRAY(SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) AS member_of
        FROM pg_roles r
        WHERE r.oid IN (SELECT oid FROM closure) AND r.rolname NOT LIKE 'pg\_%'
        ORDER BY r.rolname
        """;

    public async Task<IReadOnlyList<RoleDefinition>> ReferencedRolesAsync(CancellationToken ct)
    {
        var roles = new List<RoleDefinition>();
        await using var cmd = new NpgsqlCommand(ReferencedRolesSql, connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            roles.Add(new RoleDefinition(
                Oid: reader.GetFieldValue<uint>(0), Name: reader.GetString(1), Superuser: reader.GetBoolean(2), Inherit: reader.GetBoolean(3),
                CreateRole: reader.GetBoolean(4), CreateDb: reader.GetBoolean(5), Login: reader.GetBoolean(6), Replication: reader.GetBoolean(7),
                BypassRls: reader.GetBoolean(8), ConnectionLimit: reader.GetInt32(9), ValidUntil: reader.IsDBNull(10) ? null : reader.GetString(10),
                MemberOf: reader.GetFieldValue<string[]>(11)));
        }
        return roles;
    }

    /// <summary>Password hashes from pg_authid; only a superuser may read them (SQLSTATE 42501 otherwise).</summary>
    public async Task<IReadOnlyDictionary<string, string>> RolePasswordHashesAsync(IEnumerable<string> roleNames, CancellationToken ct)
    {
        var hashes = new Dictionary<string, string>();
        await using var cmd = new NpgsqlCommand("SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1) AND rolpassword IS NOT NULL", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = roleNames.ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            hashes[reader.GetString(0)] = reader.GetString(1);
        return hashes;
    }
}

/// <summary>A role's attributes and memberships as pg_roles shows them (never its password).</summary>
public sealed record RoleDefinition(
    uint Oid, string Name, bool Superuser, bool Inherit, bool CreateRole, bool CreateDb, bool Login, bool Replication,
    bool BypassRls, int ConnectionLimit, string? ValidUntil, IReadOnlyList<string> MemberOf);
