using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Storage;
using Npgsql;

namespace Lifeboat.Core.Staging;

/// <summary>
/// What the restoring user must be allowed to do, checked before any work: create the staging database (CREATEDB, and
/// from the chosen template), create the backup's extensions (only a superuser may create an untrusted one, unless the
/// template has it already: pg_dump writes CREATE EXTENSION IF NOT EXISTS), become the roles that own its objects
/// (ALTER … OWNER TO; not with --no-owner), set other roles' per-database settings, and rename the database it replaces.
/// A superuser may do all of it; anyone else gets one refusal naming everything that would fail, and the ways out.
/// </summary>
public static class RestorePermissions
{
    /// <summary>The template CREATE DATABASE copies when none is chosen: empty, so the backup's encoding and locale can be anything.</summary>
    public const string DefaultTemplate = "template0";

    public sealed record Target(string Database, string Template, bool NoOwner);

    public static async Task EnsureAllowedAsync(NpgsqlConnection maintenance, ConnectionSettings settings, IBackupStore store, BackupManifest manifest,
        Target target, PgVersion server, CancellationToken ct)
    {
        var templateExtensions = await CheckTemplateAsync(maintenance, settings, manifest, target.Template, ct);
        var (superuser, createDb, createRole) = await CurrentRoleAsync(maintenance, ct);
        if (superuser)
            return;

        var user = settings.User;
        HashSet<string>? existingRoles = null;
        async Task<HashSet<string>> ExistingRolesAsync() => existingRoles ??= await Preflight.ExistingRolesAsync(maintenance, ct);
        var problems = new List<string>();
        var ways = new List<string>();
        if (!createDb)
        {
            problems.Add("it may not create databases (the backup is loaded into a new staging database first)");
            ways.Add($"ALTER ROLE {Sql.Ident(user)} CREATEDB");
        }
        if (await OwnsAsync(maintenance, target.Database, ct) == false)
            problems.Add($"it is not the owner of '{target.Database}', which the swap renames and drops");

        var untrusted = (await UntrustedAsync(maintenance, manifest.Extensions.Select(e => e.Name).Where(n => n != "plpgsql"), ct))
            .Where(e => !templateExtensions.Contains(e)).Order(StringComparer.Ordinal).ToList();
        // The archive is read only for what it can refuse: its owners (not with --no-owner), and whether extensions it
        // needs created keep rows in configuration tables (then no template helps: only a superuser may write those).
        var needs = !target.NoOwner || untrusted.Count > 0 ? await ArchiveOwners.ReadAsync(store, manifest, ct) : null;
        if (untrusted.Count > 0)
        {
            problems.Add($"only a superuser may create the extension{Plural(untrusted)} {string.Join(", ", untrusted)} (not trusted)");
            if (needs?.ConfigurationData is { Count: > 0 } configuration)
                problems.Add($"the backup has rows for extension configuration tables ({string.Join(", ", configuration)}), which only a superuser may write");
            else
                ways.Add($"have a superuser create {string.Join(", ", untrusted)} in a template database (CREATE DATABASE lifeboat_template TEMPLATE template0; " +
                    $"CREATE EXTENSION … in it) and restore with --template lifeboat_template");
        }

        if (!target.NoOwner)
        {
            var owners = (needs?.Owners ?? new HashSet<string>()).ToHashSet(StringComparer.Ordinal);
            if (manifest.DatabaseProperties?.Owner is { } databaseOwner)
                owners.Add(databaseOwner);
            var foreign = await CannotBecomeAsync(maintenance, owners, server, ct);
            if (foreign.Count > 0)
            {
                problems.Add($"it cannot become the role{Plural(foreign)} {string.Join(", ", foreign)}, which own{(foreign.Count == 1 ? "s" : "")} objects of the backup");
                // A role the server does not have yet (one --create-roles would make) cannot be granted beforehand.
                var existing = await ExistingRolesAsync();
                var grantable = foreign.Where(existing.Contains).ToList();
                ways.Add(grantable.Count > 0
                    ? $"GRANT {string.Join(", ", grantable.Select(Sql.Ident))} TO {Sql.Ident(user)}{(grantable.Count < foreign.Count ? " (the others do not exist yet)" : "")}, or restore with --no-owner"
                    : "restore with --no-owner (these roles do not exist yet, and a role --create-roles makes is not granted to the user who makes it)");
            }
        }

        if (!createRole && manifest.DatabaseProperties is { } p)
        {
            var others = p.RoleSettings.Select(r => r.Role).Where(r => r != user).ToList();
            var existing = others.Count > 0 ? await ExistingRolesAsync() : [];
            var settable = others.Where(existing.Contains).ToList();
            if (settable.Count > 0)
            {
                problems.Add($"it may not set the per-database settings of {string.Join(", ", settable)} (ALTER ROLE … IN DATABASE needs CREATEROLE)");
                ways.Add($"ALTER ROLE {Sql.Ident(user)} CREATEROLE");
            }
        }

        if (problems.Count == 0)
            return;
        throw new LifeboatException(
            $"unable to restore '{target.Database}' as '{user}', who is not a superuser: {string.Join("; ", problems)}",
            $"run the restore as a superuser{string.Concat(ways.Select(w => ", or " + w))}; nothing was changed",
            ExitCodes.Failure);
    }

    /// <summary>
    /// The chosen template must exist, be one the user may copy, and have the backup's encoding and locale (CREATE
    /// DATABASE copies them from any template but template0); the extensions the backup takes from it must not have
    /// configuration tables the user may not write (the dump restores their rows: PostGIS's spatial_ref_sys, say).
    /// Returns the extensions it has.
    /// </summary>
    private static async Task<IReadOnlySet<string>> CheckTemplateAsync(NpgsqlConnection maintenance, ConnectionSettings settings, BackupManifest manifest,
        string template, CancellationToken ct)
    {
        if (template == DefaultTemplate)
            return new HashSet<string>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT datistemplate OR pg_has_role(current_user, datdba, 'MEMBER'), pg_encoding_to_char(encoding), datcollate, datctype, datallowconn
            FROM pg_database WHERE datname = $1
            """, maintenance))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = template });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
                throw new LifeboatException($"unable to restore: the template database '{template}' does not exist",
                    "check --template (without it the staging database is made from template0); nothing was changed", ExitCodes.Usage);
            var p = manifest.DatabaseProperties;
            var (mayCopy, encoding, collate, ctype) = (reader.GetBoolean(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
            if (!reader.GetBoolean(4))
                throw new LifeboatException($"unable to restore: the template '{template}' (--template) does not accept connections, so its extensions cannot be checked",
                    $"have a superuser run ALTER DATABASE {Sql.Ident(template)} ALLOW_CONNECTIONS true, or choose another template; nothing was changed", ExitCodes.Failure);
            if (!mayCopy)
                throw new LifeboatException($"unable to restore: '{settings.User}' may not copy the database '{template}' (--template): it is not a template and not theirs",
                    $"have a superuser run ALTER DATABASE {Sql.Ident(template)} IS_TEMPLATE true; nothing was changed", ExitCodes.Failure);
            var wanted = (p?.Encoding ?? "UTF8", p?.Collate ?? collate, p?.Ctype ?? ctype);
            if (wanted != (encoding, collate, ctype))
                throw new LifeboatException(
                    $"unable to restore: the template '{template}' has encoding {encoding} and locale {collate}/{ctype}, the backup {wanted.Item1} and {wanted.Item2}/{wanted.Item3}",
                    $"make the template with the backup's (CREATE DATABASE … TEMPLATE template0 ENCODING '{wanted.Item1}' LC_COLLATE '{wanted.Item2}' LC_CTYPE '{wanted.Item3}'); nothing was changed",
                    ExitCodes.Failure);
        }
        // Closed before CREATE DATABASE copies it: a template may not have sessions then.
        await using var connection = await PostgresConnector.OpenAsync(settings.WithDatabase(template), ct);
        var extensions = await connection.ReadSetAsync("SELECT extname FROM pg_extension", ct);
        var needed = manifest.Extensions.Select(e => e.Name).Where(extensions.Contains).ToArray();
        var unwritable = (await connection.ReadSetAsync("""
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_extension e CROSS JOIN LATERAL unnest(e.extconfig) AS x(oid)
            JOIN pg_class c ON c.oid = x.oid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE e.extname = ANY($1) AND NOT has_table_privilege(c.oid, 'INSERT')
            """, ct, needed)).Order(StringComparer.Ordinal).ToList();
        if (unwritable.Count > 0)
            throw new LifeboatException(
                $"unable to restore as '{settings.User}' from the template '{template}': the backup has rows for the extensions' configuration tables {string.Join(", ", unwritable)}, " +
                "which only their owner may write (pg_dump saves them with the database)",
                "run the restore as a superuser; nothing was changed", ExitCodes.Failure);
        return extensions;
    }

    private static async Task<(bool Superuser, bool CreateDb, bool CreateRole)> CurrentRoleAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2));
    }

    /// <summary>Whether the user may act as the database's owner; null when there is no such database (a new target).</summary>
    private static async Task<bool?> OwnsAsync(NpgsqlConnection connection, string database, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_has_role(current_user, datdba, 'MEMBER') FROM pg_database WHERE datname = $1", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = database });
        return await cmd.ExecuteScalarAsync(ct) as bool?;
    }

    /// <summary>Of the extensions named, those whose default version (what CREATE EXTENSION installs) needs a superuser and is not trusted.</summary>
    private static Task<HashSet<string>> UntrustedAsync(NpgsqlConnection connection, IEnumerable<string> names, CancellationToken ct) =>
        connection.ReadSetAsync("""
            SELECT v.name FROM pg_available_extension_versions v JOIN pg_available_extensions a ON a.name = v.name AND a.default_version = v.version
            WHERE v.name = ANY($1) AND v.superuser AND NOT v.trusted
            """, ct, names.ToArray());

    /// <summary>
    /// Of the roles named, those the user cannot SET ROLE to, which ALTER … OWNER TO needs (PostgreSQL 16 made that a
    /// grant option of its own); a role --create-roles is about to create counts too: its creator is not made a member.
    /// pg_database_owner is left out: in the staging database, which the user creates, the user is it.
    /// </summary>
    private static async Task<IReadOnlyList<string>> CannotBecomeAsync(NpgsqlConnection connection, IEnumerable<string> roles, PgVersion server, CancellationToken ct)
    {
        var privilege = server.Major >= 16 ? "SET" : "MEMBER";
        var names = roles.Where(r => r != "pg_database_owner").ToArray();
        var found = await connection.ReadSetAsync($"""
            SELECT o FROM unnest($1::text[]) AS o
            WHERE NOT coalesce((SELECT pg_has_role(current_user, r.oid, '{privilege}') FROM pg_roles r WHERE r.rolname = o), false)
            """, ct, names);
        return found.Order(StringComparer.Ordinal).ToList();
    }

    private static string Plural<T>(IReadOnlyCollection<T> items) => items.Count == 1 ? "" : "s";
}
