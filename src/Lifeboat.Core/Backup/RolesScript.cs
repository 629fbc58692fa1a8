using System.Security.Cryptography;
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
        // A role may be called anything, "$lifeboat$" included: the DO blocks' quote is one that no name or hash contains.
        var texts = roles.SelectMany(r => r.MemberOf.Prepend(r.Name)).Concat(passwordHashes.Values).ToList();
        var quote = "$lifeboat$";
        for (var i = 1; texts.Any(t => t.Contains(quote, StringComparison.Ordinal)); i++)
            quote = $"$lifeboat{i}$";

        var sql = new StringBuilder();
        sql.AppendLine("-- Roles named by the database's objects, privileges and settings (lifeboat).");
        sql.AppendLine("-- Safe to run more than once: roles that exist already are not changed.");
        sql.AppendLine("SET client_min_messages = warning;");
        // The roles this run creates are remembered in a session setting (by a hash of the name, which holds no '/'),
        // so that only they get memberships.
        sql.AppendLine("SELECT set_config('lifeboat.created_roles', '/', false);");
        foreach (var role in roles)
        {
            var password = passwordHashes.TryGetValue(role.Name, out var hash) ? $" PASSWORD {Sql.Literal(hash)}" : "";
            sql.AppendLine($"DO {quote} BEGIN");
            sql.AppendLine($"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {Sql.Literal(role.Name)}) THEN");
            sql.AppendLine($"    CREATE ROLE {Sql.Ident(role.Name)} WITH {Attributes(role)}{password};");
            sql.AppendLine($"    PERFORM set_config('lifeboat.created_roles', current_setting('lifeboat.created_roles') || {Sql.Literal(Key(role.Name) + "/")}, false);");
            sql.AppendLine("  END IF;");
            sql.AppendLine($"END {quote};");
        }
        foreach (var role in roles)
        {
            foreach (var parent in role.MemberOf)
            {
                // Only for a role created above, only when the parent exists: roles already there are left as they are.
                sql.AppendLine($"DO {quote} BEGIN");
                sql.AppendLine($"  IF position({Sql.Literal("/" + Key(role.Name) + "/")} IN current_setting('lifeboat.created_roles')) > 0");
                sql.AppendLine($"     AND EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {Sql.Literal(parent)}) THEN");
                sql.AppendLine($"    GRANT {Sql.Ident(parent)} TO {Sql.Ident(role.Name)};");
                sql.AppendLine("  END IF;");
                sql.AppendLine($"END {quote};");
            }
        }
        return sql.ToString();
    }

    /// <summary>The roles a script of <see cref="Build"/> creates with a password hash (its CREATE ROLE lines that end in PASSWORD '…').</summary>
    public static IReadOnlySet<string> RolesWithPasswords(string script)
    {
        const string create = "CREATE ROLE \"";
        var roles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in script.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith(create, StringComparison.Ordinal))
                continue;
            var name = new StringBuilder();
            var i = create.Length;
            for (; i < line.Length; i++)
            {
                if (line[i] == '"' && (i + 1 >= line.Length || line[i + 1] != '"'))
                    break;
                if (line[i] == '"')
                    i++; // a doubled quote is one quote of the name
                name.Append(line[i]);
            }
            if (line.IndexOf(" PASSWORD '", i, StringComparison.Ordinal) >= 0)
                roles.Add(name.ToString());
        }
        return roles;
    }

    /// <summary>A role's name as a key without separators: the hex of its SHA-256.</summary>
    private static string Key(string role) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(role)))[..32];

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
