using System.Diagnostics;
using System.Security.Cryptography;
using Lifeboat.IntegrationTests.Support;
using Npgsql;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>A second, freshly initialised cluster with none of the application's roles (the seed's Scenario 3).</summary>
public sealed class BareClusterFixture : IAsyncLifetime
{
    PostgresServer? _server;
    public PostgresServer Server => _server ?? throw new InvalidOperationException("not started");
    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync(loadFixtureTemplate: false);
    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}

/// <summary>Issue 12: roles, database properties and a bare server.</summary>
[Collection("postgres")]
[Trait("Majors", "all")] // also run against PostgreSQL 13, 17 and 18 by scripts/test-majors
public sealed class WholeDatabaseSpecs(ClusterFixture cluster, BareClusterFixture bare) : IClassFixture<BareClusterFixture>
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    const string PropertiesSql = """
        SELECT pg_get_userbyid(d.datdba) || ' | ' || coalesce(d.datacl::text, 'default') || ' | ' || coalesce(shobj_description(d.oid, 'pg_database'), '-')
            || ' | ' || coalesce((SELECT string_agg(coalesce(pg_get_userbyid(NULLIF(s.setrole, 0)), '*') || ':' || array_to_string(s.setconfig, ';'), ' / ' ORDER BY s.setrole)
                                  FROM pg_db_role_setting s WHERE s.setdatabase = d.oid), '-')
        FROM pg_database d WHERE d.datname = $1
        """;

    /// <summary>CREATE DATABASE refuses to run in a multi-statement batch: one statement at a time.</summary>
    static async Task ExecEach(PostgresServer server, string database, string script)
    {
        foreach (var statement in script.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            await server.ExecuteAsync(database, statement.TrimEnd(';'));
    }

    static string Suffix() => RandomNumberGenerator.GetHexString(6, lowercase: true);

    static async Task<string> PropertiesOf(PostgresServer server, string database)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString());
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(PropertiesSql, connection) { Parameters = { new() { Value = database } } };
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    static async Task<string> SchemaAndDataFingerprint(PostgresServer server, string database) => (await server.ScalarAsync<string>(database, """
        SELECT md5((SELECT string_agg(table_schema || '.' || table_name || ':' || column_name || ':' || data_type, ',' ORDER BY table_schema, table_name, column_name)
                    FROM information_schema.columns WHERE table_schema IN ('public', 'app'))
                || (SELECT string_agg(id || name, ',' ORDER BY id) FROM app.things)
                || (SELECT count(*) FROM earthquakes)::text
                || (SELECT string_agg(tableowner, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'app'))
        """))!;

    /// <summary>A database owned by an application role with settings, a per-role setting, a comment and grants.</summary>
    async Task<(string Db, string Owner, string Reader)> CreateDatabaseWithPropertiesAsync(string suffix)
    {
        var server = cluster.Server;
        var owner = $"app_{suffix}";
        var reader = $"readers_{suffix}";
        var db = $"props_{suffix}";
        await ExecEach(server, "postgres", $"""
            CREATE ROLE {owner} LOGIN PASSWORD 'owner-{suffix}';
            CREATE ROLE {reader} LOGIN;
            CREATE DATABASE {db} OWNER {owner} TEMPLATE {PostgresServer.TemplateDatabase};
            ALTER DATABASE {db} SET search_path = app, public;
            ALTER DATABASE {db} SET work_mem = '12MB';
            ALTER ROLE {reader} IN DATABASE {db} SET statement_timeout = '5s';
            COMMENT ON DATABASE {db} IS 'celestial data, don''t drop';
            REVOKE ALL ON DATABASE {db} FROM PUBLIC;
            GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {reader};
            """);
        await server.ExecuteAsync(db, $"""
            CREATE SCHEMA app AUTHORIZATION {owner};
            CREATE TABLE app.things (id int PRIMARY KEY, name text);
            ALTER TABLE app.things OWNER TO {owner};
            INSERT INTO app.things VALUES (1, 'comet'), (2, 'eclipse');
            GRANT USAGE ON SCHEMA app TO {reader};
            GRANT SELECT ON app.things TO {reader};
            """);
        return (db, owner, reader);
    }

    [Fact]
    public async Task A_restored_database_has_the_same_owner_settings_comment_and_privileges_after_a_swap_and_under_another_name()
    {
        var server = cluster.Server;
        using var folder = BackupFolder.Create();
        var (db, _, _) = await CreateDatabaseWithPropertiesAsync(Suffix());
        var copy = db + "_copy";
        try
        {
            var before = await PropertiesOf(server, db);
            var fingerprint = await SchemaAndDataFingerprint(server, db);
            var backup = await LifeboatCli.RunAsync(["backup", "-d", db, "--backup-dir", folder.Path], server.ClientEnvironment(db), timeout: Timeout);
            Assert.True(backup.ExitCode == 0, backup.ToString());
            var manifest = folder.SingleManifest();
            Assert.Equal("celestial data, don't drop", (string?)manifest["databaseProperties"]!["comment"]);

            // Something changes after the backup; the restore must bring back what was backed up.
            await ExecEach(server, "postgres", $"ALTER DATABASE {db} RESET ALL;\nCOMMENT ON DATABASE {db} IS NULL;\nGRANT ALL ON DATABASE {db} TO PUBLIC");

            var swap = await LifeboatCli.RunAsync(["restore", "-d", db, "--backup-dir", folder.Path, "--latest", "--force", "--no-safety-backup"],
                server.ClientEnvironment(db), timeout: Timeout);
            Assert.True(swap.ExitCode == 0, swap.ToString());
            var copied = await LifeboatCli.RunAsync(["restore", "-d", db, "--backup-dir", folder.Path, "--latest", "--force", "--target-db", copy],
                server.ClientEnvironment(db), timeout: Timeout);
            Assert.True(copied.ExitCode == 0, copied.ToString());

            Assert.Equal(before, await PropertiesOf(server, db));
            Assert.Equal(before.Replace(db, copy), (await PropertiesOf(server, copy)).Replace(db, copy));
            Assert.Equal(fingerprint, await SchemaAndDataFingerprint(server, db));
            Assert.Equal(fingerprint, await SchemaAndDataFingerprint(server, copy));
        }
        finally
        {
            await server.DropDatabaseAsync(db);
            await server.DropDatabaseAsync(copy);
        }
    }

    [Fact]
    public async Task Scenario_3_a_bare_server_refuses_without_the_roles_and_restores_with_create_roles()
    {
        var server = cluster.Server;
        var target = bare.Server;
        using var folder = BackupFolder.Create();
        var suffix = Suffix();
        var (db, owner, reader) = await CreateDatabaseWithPropertiesAsync(suffix);
        try
        {
            var backup = await LifeboatCli.RunAsync(["backup", "-d", db, "--backup-dir", folder.Path], server.ClientEnvironment(db), timeout: Timeout);
            Assert.True(backup.ExitCode == 0, backup.ToString());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(folder.SingleFileEndingWith(".roles.sql")));
            var databasesBefore = await target.ScalarAsync<string>("postgres", "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database");
            var rolesBefore = await target.ScalarAsync<string>("postgres", "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles");

            var refused = await LifeboatCli.RunAsync(["restore", "-d", db, "--backup-dir", folder.Path, "--latest", "--force"],
                target.ClientEnvironment("postgres"), timeout: Timeout);

            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains(owner, refused.StdErr);
            Assert.Contains(reader, refused.StdErr);
            Assert.Contains("--create-roles", refused.StdErr);
            Assert.Contains("--no-owner --no-privileges", refused.StdErr);
            Assert.DoesNotContain("   at ", refused.Output);
            Assert.Equal(databasesBefore, await target.ScalarAsync<string>("postgres", "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"));
            Assert.Equal(rolesBefore, await target.ScalarAsync<string>("postgres", "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles"));

            var restored = await LifeboatCli.RunAsync(["restore", "-d", db, "--backup-dir", folder.Path, "--latest", "--force", "--create-roles"],
                target.ClientEnvironment("postgres"), timeout: Timeout);

            Assert.True(restored.ExitCode == 0, restored.ToString());
            Assert.Contains(owner, restored.StdOut);
            Assert.Contains("no password", restored.StdOut);
            Assert.Equal(await PropertiesOf(server, db), await PropertiesOf(target, db));
            Assert.Equal("6cdf0b06a3e9", await target.ScalarAsync<string>(db, "SELECT version_num FROM alembic_version"));

            // The seed's step 2, after the fact: give the application role a password, and it works.
            await target.ExecuteAsync("postgres", $"ALTER ROLE {owner} PASSWORD 'new-{suffix}'");
            var asApp = new NpgsqlConnectionStringBuilder(target.ConnectionString(db)) { Username = owner, Password = $"new-{suffix}" }.ConnectionString;
            await using var connection = new NpgsqlConnection(asApp);
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT string_agg(name, ',' ORDER BY id) FROM app.things", connection);
            Assert.Equal("comet,eclipse", await cmd.ExecuteScalarAsync());
        }
        finally
        {
            await server.DropDatabaseAsync(db);
            await target.DropDatabaseAsync(db);
        }
    }

    [Fact]
    public async Task Create_roles_gives_new_roles_their_attributes_and_memberships_and_leaves_roles_that_exist_unchanged()
    {
        var server = cluster.Server;
        var target = bare.Server;
        using var folder = BackupFolder.Create();
        var suffix = Suffix();
        var (owner, reader, group, db) = ($"mapp_{suffix}", $"mread_{suffix}", $"mgrp_{suffix}", $"members_{suffix}");
        await ExecEach(server, "postgres", $"""
            CREATE ROLE {group} NOLOGIN;
            CREATE ROLE {owner} LOGIN CREATEDB CONNECTION LIMIT 7 IN ROLE {group};
            CREATE ROLE {reader} LOGIN IN ROLE {group};
            CREATE DATABASE {db} OWNER {owner};
            GRANT CONNECT ON DATABASE {db} TO {reader};
            """);
        // On the other server the reader exists already, as someone set it up there: no login, in no group.
        await target.ExecuteAsync("postgres", $"CREATE ROLE {reader} NOLOGIN");
        try
        {
            var backup = await LifeboatCli.RunAsync(["backup", "-d", db, "--backup-dir", folder.Path], server.ClientEnvironment(db), timeout: Timeout);
            Assert.True(backup.ExitCode == 0, backup.ToString());

            var restored = await LifeboatCli.RunAsync(["restore", "-d", db, "--backup-dir", folder.Path, "--latest", "--force", "--create-roles"],
                target.ClientEnvironment("postgres"), timeout: Timeout);

            Assert.True(restored.ExitCode == 0, restored.ToString());
            const string Describe = """
                SELECT rolname || ':' || rolcanlogin || ',' || rolcreatedb || ',' || rolconnlimit || ',' ||
                       coalesce((SELECT string_agg(g.rolname, ',') FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid), '-')
                FROM pg_roles r WHERE rolname = '{0}'
                """;
            Assert.Equal($"{owner}:true,true,7,{group}", await target.ScalarAsync<string>("postgres", string.Format(Describe, owner)));
            Assert.Equal($"{reader}:false,false,-1,-", await target.ScalarAsync<string>("postgres", string.Format(Describe, reader)));
            Assert.Equal(owner, await target.ScalarAsync<string>("postgres", $"SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = '{db}'"));
        }
        finally
        {
            await server.DropDatabaseAsync(db);
            await target.DropDatabaseAsync(db);
            await target.ExecuteAsync("postgres", $"DROP ROLE IF EXISTS {owner}; DROP ROLE IF EXISTS {reader}; DROP ROLE IF EXISTS {group}");
        }
    }

    [Fact]
    public async Task The_owner_of_a_database_backs_it_up_with_its_roles_without_being_a_superuser()
    {
        var server = cluster.Server;
        using var folder = BackupFolder.Create();
        var suffix = Suffix();
        var (owner, reader, db) = ($"plainapp_{suffix}", $"plainread_{suffix}", $"plain_{suffix}");
        await ExecEach(server, "postgres", $"""
            CREATE ROLE {owner} LOGIN CREATEDB PASSWORD 'pw-{suffix}';
            CREATE ROLE {reader} NOLOGIN;
            CREATE DATABASE {db} OWNER {owner};
            GRANT CONNECT ON DATABASE {db} TO {reader};
            """);
        try
        {
            var asOwner = server.ClientEnvironment(db);
            asOwner["PGUSER"] = owner;
            asOwner["PGPASSWORD"] = $"pw-{suffix}";

            var backup = await LifeboatCli.RunAsync(["backup", "-d", db, "--backup-dir", folder.Path], asOwner, timeout: Timeout);

            Assert.True(backup.ExitCode == 0, backup.ToString());
            var manifest = folder.SingleManifest();
            Assert.False((bool)manifest["rolePasswordsIncluded"]!);
            Assert.Equal(owner, (string?)manifest["databaseProperties"]!["owner"]);
            var roles = File.ReadAllText(folder.SingleFileEndingWith(".roles.sql"));
            Assert.Contains($"CREATE ROLE \"{owner}\" WITH NOSUPERUSER INHERIT NOCREATEROLE CREATEDB LOGIN", roles);
            Assert.Contains($"CREATE ROLE \"{reader}\"", roles);
            Assert.DoesNotContain("PASSWORD", roles);
        }
        finally
        {
            await server.DropDatabaseAsync(db);
        }
    }

    [Fact]
    public async Task Role_passwords_need_a_superuser_and_come_back_with_the_backup()
    {
        var server = cluster.Server;
        var target = bare.Server;
        using var folder = BackupFolder.Create();
        var suffix = Suffix();
        var owner = $"pwapp_{suffix}";
        var db = $"pw_{suffix}";
        await ExecEach(server, "postgres", $"""
            CREATE ROLE {owner} LOGIN PASSWORD 'secret-{suffix}';
            CREATE DATABASE {db} OWNER {owner} TEMPLATE {PostgresServer.TemplateDatabase};
            """);
        try
        {
            var asOwner = server.ClientEnvironment(db);
            asOwner["PGUSER"] = owner;
            asOwner["PGPASSWORD"] = $"secret-{suffix}";
            var denied = await LifeboatCli.RunAsync(["backup", "-d", db, "--backup-dir", folder.Path, "--include-role-passwords"], asOwner, timeout: Timeout);

            Assert.NotEqual(0, denied.ExitCode);
            Assert.Contains("superuser", denied.StdErr);
            Assert.Single(denied.StdErr.Trim().Split('\n'));
            Assert.Empty(folder.CompleteStems());

            var backup = await LifeboatCli.RunAsync(["backup", "-d", db, "--backup-dir", folder.Path, "--include-role-passwords"],
                server.ClientEnvironment(db), timeout: Timeout);
            Assert.True(backup.ExitCode == 0, backup.ToString());
            Assert.True((bool)folder.SingleManifest()["rolePasswordsIncluded"]!);
            Assert.DoesNotContain($"secret-{suffix}", File.ReadAllText(folder.SingleFileEndingWith(".roles.sql")));

            var restored = await LifeboatCli.RunAsync(["restore", "-d", db, "--backup-dir", folder.Path, "--latest", "--force", "--create-roles"],
                target.ClientEnvironment("postgres"), timeout: Timeout);
            Assert.True(restored.ExitCode == 0, restored.ToString());

            var login = new NpgsqlConnectionStringBuilder(target.ConnectionString(db)) { Username = owner, Password = $"secret-{suffix}" }.ConnectionString;
            await using var connection = new NpgsqlConnection(login);
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT current_user || '@' || current_database()", connection);
            Assert.Equal($"{owner}@{db}", await cmd.ExecuteScalarAsync());
        }
        finally
        {
            await server.DropDatabaseAsync(db);
            await target.DropDatabaseAsync(db);
        }
    }

    [Fact]
    public async Task A_client_that_reconnects_every_50_ms_does_not_stop_the_restore_and_then_reads_the_restored_data()
    {
        var server = cluster.Server;
        await using var ws = await BackupWorkspace.WithFixtureDatabaseAsync(server, "pool");
        using var stop = new CancellationTokenSource();
        try
        {
            var backup = await LifeboatCli.RunAsync(["backup", "-d", ws.Database, "--backup-dir", ws.Folder.Path], ws.Env, timeout: Timeout);
            Assert.True(backup.ExitCode == 0, backup.ToString());
            var expected = await server.ScalarAsync<long>(ws.Database, "SELECT count(*) FROM earthquakes");
            await server.ExecuteAsync(ws.Database, "DELETE FROM earthquakes WHERE id % 2 = 0");

            long lastSeen = -1;
            var reads = 0;
            var client = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await using var connection = new NpgsqlConnection(server.ConnectionString(ws.Database));
                        await connection.OpenAsync(stop.Token);
                        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM earthquakes", connection);
                        Interlocked.Exchange(ref lastSeen, (long)(await cmd.ExecuteScalarAsync(stop.Token))!);
                        Interlocked.Increment(ref reads);
                    }
                    catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException)
                    {
                        // Refused while the swap blocks connections, or ended by it: a pool reconnects.
                    }
                    await Task.Delay(50, CancellationToken.None);
                }
            });

            var restore = await LifeboatCli.RunAsync(["restore", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--force", "--no-safety-backup"],
                ws.Env, timeout: Timeout);
            var readsAtEnd = reads;
            var deadline = Stopwatch.StartNew();
            while (reads < readsAtEnd + 3 && deadline.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(50);
            await stop.CancelAsync();
            await client;

            Assert.True(restore.ExitCode == 0, restore.ToString());
            Assert.Equal(expected, Interlocked.Read(ref lastSeen));
            Assert.Equal(0, await server.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_database WHERE datname LIKE '{ws.Database}\\_\\_lifeboat%'"));
        }
        finally
        {
            await stop.CancelAsync(); // the client must not outlive the spec
        }
    }

    [Fact]
    public async Task A_backup_from_a_newer_pg_dump_or_needing_a_missing_extension_is_refused_before_anything_is_touched()
    {
        var server = cluster.Server;
        await using var ws = await BackupWorkspace.WithFixtureDatabaseAsync(server, "guard");
        var backup = await LifeboatCli.RunAsync(["backup", "-d", ws.Database, "--backup-dir", ws.Folder.Path], ws.Env, timeout: Timeout);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var manifestPath = ws.Folder.SingleFileEndingWith(".json");
        var original = File.ReadAllText(manifestPath);
        var databases = await server.ScalarAsync<string>("postgres", "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database");

        File.WriteAllText(manifestPath, original.Replace($"\"pgDumpVersion\": \"{server.Major}.", "\"pgDumpVersion\": \"99."));
        var newer = await LifeboatCli.RunAsync(["restore", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--force", "--target-db", ws.OtherDatabaseName("new")],
            ws.Env, timeout: Timeout);
        Assert.NotEqual(0, newer.ExitCode);
        Assert.Contains("pg_dump 99.", newer.StdErr);
        Assert.Contains($"into PostgreSQL {server.Major}.", newer.StdErr);
        Assert.Contains("restore it into a PostgreSQL 99 (or newer) server", newer.StdErr);

        var manifest = BackupFolder.ReadManifest(manifestPath);
        File.WriteAllText(manifestPath, original.Replace("\"extensions\": [", "\"extensions\": [ { \"name\": \"stardust_index\", \"version\": \"1.0\", \"schema\": \"public\" },"));
        var missing = await LifeboatCli.RunAsync(["restore", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--force", "--target-db", ws.OtherDatabaseName("new")],
            ws.Env, timeout: Timeout);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("extension stardust_index is not installed on this server", missing.StdErr);

        Assert.Equal(databases, await server.ScalarAsync<string>("postgres", "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"));
        Assert.NotNull(manifest);
    }
}
