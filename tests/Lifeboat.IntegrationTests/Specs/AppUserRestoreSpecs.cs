using System.Security.Cryptography;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>
/// Issue 25: a restore run as the application's own role (the database's owner, not a superuser), as the seed does
/// with celestial_app. What it may not do is found before any work; what it may do, it does.
/// </summary>
[Collection("postgres")]
[Trait("Majors", "all")] // also run against PostgreSQL 13, 17 and 18 by scripts/test-majors
public sealed class AppUserRestoreSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    /// <summary>A login role that owns databases and may create them, as an application's role is; returns its PG* variables.</summary>
    async Task<(string Role, Dictionary<string, string> Env)> CreateAppRoleAsync(string prefix)
    {
        var role = $"{prefix}_{RandomNumberGenerator.GetHexString(6, lowercase: true)}";
        await Server.ExecuteAsync("postgres", $"CREATE ROLE {role} LOGIN CREATEDB PASSWORD 'pw-{role}'");
        return (role, new Dictionary<string, string> { ["PGUSER"] = role, ["PGPASSWORD"] = $"pw-{role}" });
    }

    Task DropRoleAsync(string role) => Server.ExecuteAsync("postgres", $"DROP ROLE IF EXISTS {role}");

    /// <summary>Nothing was started: no staging database, no decompressed copy, no restore log, the database as it was.</summary>
    static async Task AssertNothingDoneAsync(RestoreWorkspace ws, CliResult result, string before)
    {
        Assert.Empty(await ws.ScratchDatabasesAsync());
        Assert.Empty(ws.LeftoverCopies());
        Assert.Empty(Directory.GetFiles(ws.BackupDir, "*.restore.log"));
        Assert.DoesNotContain("decompressing", result.StdOut, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("staging", result.StdOut, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await ws.FingerprintAsync());
    }

    [Fact]
    public async Task The_seeds_owner_is_refused_before_any_work_naming_PostGIS_and_the_owners_also_with_a_template_and_a_superuser_restores()
    {
        var (app, asApp) = await CreateAppRoleAsync("gisapp");
        try
        {
            await using var ws = await RestoreWorkspace.CreateAsync(Server, "au_gis");
            await ws.Server.ExecuteAsync("postgres", $"ALTER DATABASE \"{ws.Database}\" OWNER TO {app}");
            await ws.BackupAsync(); // by a superuser, as the seed's nightly backup
            await ws.AddMarkerAsync("after-the-backup");
            var before = await ws.FingerprintAsync();

            var refused = await ws.RestoreAsync(["--latest", "--force", "--no-safety-backup", "--jobs", "2"], env: asApp);

            CliAssert.OneLineError(refused, 1, app, "not a superuser", "postgis, postgis_topology", "cannot become the role postgres",
                "configuration tables", "public.spatial_ref_sys", "run the restore as a superuser", "--no-owner", "nothing was changed");
            Assert.DoesNotContain("--template", refused.StdErr); // no template helps PostGIS: see below
            Assert.DoesNotContain("uuid-ossp", refused.StdErr); // trusted: a database owner may create it
            await AssertNothingDoneAsync(ws, refused, before);

            // --no-owner --no-privileges take care of the owners, not of the extensions.
            var stillRefused = await ws.RestoreAsync(["--latest", "--force", "--no-safety-backup", "--no-owner", "--no-privileges"], env: asApp);

            CliAssert.OneLineError(stillRefused, 1, "postgis, postgis_topology", "spatial_ref_sys", "run the restore as a superuser");
            Assert.DoesNotContain("cannot become", stillRefused.StdErr);
            await AssertNothingDoneAsync(ws, stillRefused, before);

            // PostGIS pre-installed in a template the owner may copy is not enough: the dump restores the rows of its
            // configuration tables (spatial_ref_sys, topology.topology), which only the superuser who installed it may write.
            var template = ws.OtherDatabaseName("tpl");
            await Server.ExecuteAsync("postgres", $"CREATE DATABASE \"{template}\" OWNER {app} TEMPLATE template0");
            await Server.ExecuteAsync(template, "CREATE EXTENSION postgis; CREATE EXTENSION postgis_topology");

            var fromTemplate = await ws.RestoreAsync(["--latest", "--force", "--no-safety-backup", "--no-owner", "--no-privileges", "--template", template], env: asApp);

            CliAssert.OneLineError(fromTemplate, 1, template, "configuration tables", "spatial_ref_sys", "topology.topology", "run the restore as a superuser");
            await AssertNothingDoneAsync(ws, fromTemplate, before);

            // The way out that works: a superuser restores (the seed's user, postgres).
            var restored = await ws.RestoreAsync("--latest", "--force", "--no-safety-backup");

            Assert.True(restored.ExitCode == 0, restored.ToString());
            Assert.Equal("", await ws.MarkersAsync());
            Assert.Equal(app, await Server.ScalarAsync<string>("postgres", $"SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = '{ws.Database}'"));
            Assert.Empty(await ws.ScratchDatabasesAsync());
        }
        finally
        {
            await DropRoleAsync(app);
        }
    }

    [Theory]
    [InlineData("custom")]
    [InlineData("plain")]
    public async Task Only_the_untrusted_extension_is_refused_and_with_it_in_the_template_the_owner_restores_keeping_ownership(string format)
    {
        var (app, asApp) = await CreateAppRoleAsync("extapp");
        try
        {
            await using var ws = await BackupWorkspace.WithDatabaseAsync(Server, "au_ext", $"OWNER {app} TEMPLATE template0");
            // dblink is untrusted (a superuser installed it); pgcrypto is trusted, and the table's default uses it.
            await ws.ExecuteAsync($"""
                CREATE EXTENSION dblink;
                CREATE EXTENSION pgcrypto;
                CREATE TABLE notes (id int PRIMARY KEY, token text NOT NULL DEFAULT encode(gen_random_bytes(4), 'hex'));
                INSERT INTO notes (id) SELECT generate_series(1, 50);
                ALTER TABLE notes OWNER TO {app};
                """);
            CliAssert.Succeeded(await ws.RunBackupAsync("--format", format));
            var restoreArgs = new List<string> { "restore", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--force", "--no-safety-backup" };
            var env = ws.Env;
            foreach (var (key, value) in asApp)
                env[key] = value;

            var refused = await LifeboatCli.RunAsync(restoreArgs, env);

            CliAssert.OneLineError(refused, 1, "extension dblink (not trusted)", "--template", "superuser");
            Assert.DoesNotContain("pgcrypto", refused.StdErr);
            Assert.DoesNotContain("cannot become", refused.StdErr); // the owner owns everything that is not an extension's
            Assert.Equal(0L, await Server.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_database WHERE starts_with(datname, '{ws.Database}__lifeboat')"));

            var template = ws.OtherDatabaseName("tpl");
            await Server.ExecuteAsync("postgres", $"CREATE DATABASE \"{template}\" OWNER {app} TEMPLATE template0");
            await Server.ExecuteAsync(template, "CREATE EXTENSION dblink");
            await Server.ExecuteAsync(ws.Database, "DELETE FROM notes WHERE id > 10");

            var restored = await LifeboatCli.RunAsync([.. restoreArgs, "--template", template], env);

            Assert.True(restored.ExitCode == 0, restored + string.Concat(Directory.GetFiles(ws.Folder.Path, "*.restore.log").Select(File.ReadAllText)));
            Assert.Equal(50L, await Server.CountRowsAsync(ws.Database, "public", "notes"));
            Assert.Equal("dblink,pgcrypto", await Server.ScalarAsync<string>(ws.Database,
                "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'"));
            Assert.Equal(app, await Server.ScalarAsync<string>(ws.Database, "SELECT tableowner::text FROM pg_tables WHERE tablename = 'notes'"));
            Assert.Equal(app, await Server.ScalarAsync<string>("postgres", $"SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = '{ws.Database}'"));
        }
        finally
        {
            await DropRoleAsync(app);
        }
    }

    [Fact]
    public async Task A_template_that_does_not_exist_is_refused_before_any_work()
    {
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "au_notpl");
        CliAssert.Succeeded(await ws.RunBackupAsync());

        var result = await LifeboatCli.RunAsync(["restore", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", "--force",
            "--no-safety-backup", "--template", ws.OtherDatabaseName("missing")], ws.Env);

        CliAssert.OneLineError(result, 2, "template database", ws.OtherDatabaseName("missing"), "does not exist", "--template");
        Assert.Equal(0L, await Server.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_database WHERE starts_with(datname, '{ws.Database}__lifeboat')"));
    }

    [Fact]
    public async Task A_wrong_port_a_wrong_password_or_no_terminal_to_confirm_fail_before_the_backup_is_decompressed()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "au_order");
        await ws.BackupAsync();
        var before = await ws.FingerprintAsync();
        var port = DatabaseHelpers.UnusedPort().ToString(System.Globalization.CultureInfo.InvariantCulture);

        foreach (var (args, env, exitCode) in new (string[], Dictionary<string, string>, int)[]
        {
            (["--latest", "--force", "--no-safety-backup", "--jobs", "2"], new() { ["PGPORT"] = port }, 3),
            (["--latest", "--force", "--no-safety-backup", "--jobs", "2"], new() { ["PGPASSWORD"] = "not-the-password" }, 3),
            (["--latest", "--no-safety-backup", "--jobs", "2"], new(), 2), // no --force, no terminal to ask
        })
        {
            var result = await ws.RestoreAsync(args, env: env);

            Assert.True(result.ExitCode == exitCode, result.ToString());
            Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            await AssertNothingDoneAsync(ws, result, before);
        }
    }
}
