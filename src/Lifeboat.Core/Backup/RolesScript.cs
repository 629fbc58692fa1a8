using System.Text;
using Lifeboat.Core.Postgres;

namespace Lifeboat.Core.Backup;

/// <summary>
/// Writes the .roles.sql sidecar: roles that do not exist yet are created with their attributes (and password
/// hashes only when asked), existing roles are left exactly as they are; then the memberships.
/// </summary>
public static class RolesScript
{
    public static string Build(IReadOnlyList<RoleDefinition> roles, IReadOnlyDictionary<string, string> passwordHashes)
    {
        var sql = new StringBuilder();
        sql.AppendLine("-- Roles named by the database's objects, privileges and settings (lifeboat).");
        sql.AppendLine("-- Safe to run more than once: roles that exist already are not changed.");
        sql.AppendLine("SET client_min_messages = warning;");
        // The roles this run creates are remembered in a session setting, so that only they get memberships.
        sql.AppendLine("SELECT set_config('lifeboat.created_roles', '/', false);");
        foreach (var role in roles)
        {
            var password = passwordHashes.TryGetValue(role.Name, out var hash) ? $" PASSWORD {Sql.Literal(hash)}" : "";
            sql.AppendLine("DO $lifeboat$ BEGIN");
            sql.AppendLine($"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {Sql.Literal(role.Name)}) THEN");
            sql.AppendLine($"    CREATE ROLE {Sql.Ident(role.Name)} WITH {Attributes(role)}{password};");
            sql.AppendLine($"    PERFORM set_config('lifeboat.created_roles', current_setting('lifeboat.created_roles') || {Sql.Literal(role.Name + "/")}, false);");
            sql.AppendLine("  END IF;");
            sql.AppendLine("END $lifeboat$;");
        }
        foreach (var role in roles)
        {
            foreach (var parent in role.MemberOf)
            {
                // Only for a role created above, only when the parent exists: roles already there are left as they are.
                sql.AppendLine("DO $lifeboat$ BEGIN");
                sql.AppendLine($"  IF position({Sql.Literal("/" + role.Name + "/")} IN current_setting('lifeboat.created_roles')) > 0");
                sql.AppendLine($"     AND EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {Sql.Literal(parent)}) THEN");
                sql.AppendLine($"    GRANT {Sql.Ident(parent)} TO {Sql.Ident(role.Name)};");
                sql.AppendLine("  END IF;");
                sql.AppendLine("END $lifeboat$;");
            }
        }
        return sql.ToString();
    }

    private static string Attributes(RoleDefinition r)
    {
        var parts = new List<string>
        {
            r.Superuser ? "SUPERUSER" : "NOSUPERUSER",
            r.Inherit ? "INHERIT" : "NOINHERIT",
            r.CreateRole ? "CREATEROLE" : "NOCREATEROLE",
            r.CreateDb ? "CREATEDB" : "NOCREATEDB",
            r.Login ? "LOGIN" : "NOLOGIN",
            r.Replication ? "REPLICATION" : "NOREPLICATION",
            r.BypassRls ? "BYPASSRLS" : "NOBYPASSRLS",
            $"CONNECTION LIMIT {r.ConnectionLimit}",
        };
        if (r.ValidUntil is not null)
            parts.Add($"VALID UNTIL {Sql.Literal(r.ValidUntil)}");
        return string.Join(' ', parts);
    }
}
