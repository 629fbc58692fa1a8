using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Npgsql;

namespace Lifeboat.Core.Staging;

/// <summary>
/// Gives a staged database the properties of the one backed up (pg_dump writes them only with --create): owner,
/// comment, connection limit, ALTER DATABASE/ROLE … SET, and its privileges. Runs before the swap.
/// </summary>
public static class DatabasePropertiesApplier
{
    public static IEnumerable<string> Statements(DatabaseProperties p, string database, bool noOwner, bool noPrivileges, ISet<string> existingRoles)
    {
        var db = Sql.Ident(database);
        if (!noOwner && existingRoles.Contains(p.Owner))
            yield return $"ALTER DATABASE {db} OWNER TO {Sql.Ident(p.Owner)}";
        yield return p.Comment is null ? $"COMMENT ON DATABASE {db} IS NULL" : $"COMMENT ON DATABASE {db} IS {Sql.Literal(p.Comment)}";
        yield return $"ALTER DATABASE {db} CONNECTION LIMIT {p.ConnectionLimit}";
        foreach (var setting in p.Settings)
            yield return $"ALTER DATABASE {db} {Sql.SetClause(setting)}";
        foreach (var role in p.RoleSettings.Where(r => existingRoles.Contains(r.Role)))
        {
            foreach (var setting in role.Settings)
                yield return $"ALTER ROLE {Sql.Ident(role.Role)} IN DATABASE {db} {Sql.SetClause(setting)}";
        }
        if (noPrivileges || p.Grants is null)
            yield break;
        // A new database grants CONNECT and TEMPORARY to PUBLIC; start from nothing and grant what was there.
        yield return $"REVOKE ALL ON DATABASE {db} FROM PUBLIC";
        if (!noOwner && existingRoles.Contains(p.Owner))
            yield return $"REVOKE ALL ON DATABASE {db} FROM {Sql.Ident(p.Owner)}";
        foreach (var grant in p.Grants.Where(g => g.Grantee == "PUBLIC" || existingRoles.Contains(g.Grantee)))
        {
            var grantee = grant.Grantee == "PUBLIC" ? "PUBLIC" : Sql.Ident(grant.Grantee);
            yield return $"GRANT {grant.Privilege} ON DATABASE {db} TO {grantee}{(grant.Grantable ? " WITH GRANT OPTION" : "")}";
        }
    }

    public static async Task ApplyAsync(NpgsqlConnection maintenance, DatabaseProperties properties, string database, bool noOwner, bool noPrivileges,
        ISet<string> existingRoles, CancellationToken ct)
    {
        foreach (var statement in Statements(properties, database, noOwner, noPrivileges, existingRoles))
            await maintenance.ExecuteAsync(statement, ct);
    }
}
