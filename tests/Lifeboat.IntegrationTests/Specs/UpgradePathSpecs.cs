using System.Globalization;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>
/// Issue 17: backups cross PostgreSQL majors, both ways. Run by scripts/test-majors only (never by scripts/test): first
/// every major exports a backup of the fixture into the shared exchange folder ("export"), then every major restores
/// each older major's backup exactly and refuses each newer one before touching anything ("upgrade").
/// </summary>
[Collection("postgres")]
public sealed class UpgradePathSpecs(ClusterFixture cluster)
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    static readonly string[] Formats = ["custom", "plain"];

    int Major => cluster.Server.Major;

    [Fact, Trait("Majors", "export")]
    public async Task This_major_backs_up_the_fixture_with_its_roles_and_properties_for_the_other_majors()
    {
        var server = cluster.Server;
        var (db, owner, reader) = (Exchange.DatabaseOf(Major), Exchange.OwnerOf(Major), Exchange.ReaderOf(Major));
        await server.DropDatabaseAsync(db);
        foreach (var statement in new[]
                 {
                     $"DROP ROLE IF EXISTS {owner}", $"DROP ROLE IF EXISTS {reader}",
                     $"CREATE ROLE {owner} LOGIN PASSWORD 'owner-secret'", $"CREATE ROLE {reader} LOGIN",
                     $"CREATE DATABASE {db} OWNER {owner} TEMPLATE {PostgresServer.TemplateDatabase}",
                     $"ALTER DATABASE {db} SET search_path = app, public", $"ALTER DATABASE {db} SET work_mem = '12MB'",
                     $"ALTER ROLE {reader} IN DATABASE {db} SET statement_timeout = '5s'",
                     $"COMMENT ON DATABASE {db} IS 'made by PostgreSQL {Major}'",
                     $"REVOKE ALL ON DATABASE {db} FROM PUBLIC", $"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {reader}",
                 })
            await server.ExecuteAsync("postgres", statement);
        await server.ExecuteAsync(db, $"""
            CREATE SCHEMA app AUTHORIZATION {owner};
            CREATE TABLE app.things (id int PRIMARY KEY, name text, seen timestamptz DEFAULT '2024-04-08 18:17:00+00');
            ALTER TABLE app.things OWNER TO {owner};
            INSERT INTO app.things (id, name) VALUES (1, 'comet'), (2, 'eclipse'), (3, E'line\nbreak \\ backslash');
            GRANT USAGE ON SCHEMA app TO {reader};
            GRANT SELECT ON app.things TO {reader};
            """);

        Directory.CreateDirectory(Exchange.Of(Major));
        foreach (var format in Formats)
        {
            var folder = Exchange.Backups(Major, format);
            var backup = await LifeboatCli.RunAsync(["backup", "-d", db, "--backup-dir", folder, "--format", format], server.ClientEnvironment(db), timeout: Timeout);
            CliAssert.Succeeded(backup);
            var manifest = BackupFolder.ReadManifest(Directory.GetFiles(folder, "*.json").Single());
            Assert.StartsWith($"{Major}.", (string?)manifest["pgDumpVersion"], StringComparison.Ordinal);
        }
        await File.WriteAllTextAsync(Exchange.FingerprintFile(Major), await Exchange.FingerprintAsync(server, db));
    }

    public static TheoryData<int> OtherMajors()
    {
        var data = new TheoryData<int>();
        var mine = OwnMajor();
        foreach (var major in Exchange.Majors.Where(m => m != mine))
            data.Add(major);
        return data;
    }

    /// <summary>The major of the server the fixture will start: the newest under /usr/lib/postgresql, as PostgresServer picks.</summary>
    static int OwnMajor() => PostgresServer.NewestInstalledMajor();


    [Theory, Trait("Majors", "upgrade")]
    [MemberData(nameof(OtherMajors))]
    public async Task A_backup_from_another_major_restores_exactly_when_older_and_is_refused_before_anything_when_newer(int from)
    {
        Assert.True(File.Exists(Exchange.FingerprintFile(from)), $"PostgreSQL {from} exported nothing into {Exchange.Of(from)}: its export spec failed");
        if (from < Major)
            await RestoresExactlyAsync(from);
        else
            await IsRefusedAsync(from);
    }

    async Task RestoresExactlyAsync(int from)
    {
        var expected = await File.ReadAllTextAsync(Exchange.FingerprintFile(from));
        var target = cluster.Server; // it lacks the backup's roles (named after their major): --create-roles brings them
        var db = Exchange.DatabaseOf(from);
        var copy = $"{db}_copy";
        // The swap, over a database of that name that the restore replaces.
        await target.DropDatabaseAsync(db);
        await target.ExecuteAsync("postgres", $"CREATE DATABASE {db}");
        var swap = await LifeboatCli.RunAsync(["restore", "-d", db, "--backup-dir", Exchange.Backups(from, "custom"), "--latest", "--force",
            "--create-roles", "--no-safety-backup"], target.ClientEnvironment("postgres"), timeout: Timeout);
        CliAssert.Succeeded(swap);
        Assert.Equal(expected, await Exchange.FingerprintAsync(target, db));

        // The plain SQL backup, under another name.
        await target.DropDatabaseAsync(copy);
        var plain = await LifeboatCli.RunAsync(["restore", "-d", db, "--backup-dir", Exchange.Backups(from, "plain"), "--latest", "--force",
            "--create-roles", "--target-db", copy], target.ClientEnvironment("postgres"), timeout: Timeout);
        CliAssert.Succeeded(plain);
        Assert.Equal(expected, await Exchange.FingerprintAsync(target, copy));
        await target.DropDatabaseAsync(copy);
    }

    async Task IsRefusedAsync(int from)
    {
        var target = cluster.Server;
        var db = Exchange.DatabaseOf(from);
        const string databases = "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database";
        const string roles = "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles";
        foreach (var format in Formats)
        {
            var (databasesBefore, rolesBefore) = (await target.ScalarAsync<string>("postgres", databases), await target.ScalarAsync<string>("postgres", roles));
            var filesBefore = Directory.GetFiles(Exchange.Backups(from, format)).Order().ToList();

            var refused = await LifeboatCli.RunAsync(["restore", "-d", db, "--backup-dir", Exchange.Backups(from, format), "--latest", "--force",
                "--create-roles", "--target-db", $"{db}_{format}"], target.ClientEnvironment("postgres"), timeout: Timeout);

            var own = Major.ToString(CultureInfo.InvariantCulture);
            var theirs = from.ToString(CultureInfo.InvariantCulture);
            CliAssert.OneLineError(refused, 4, $"pg_dump {theirs}.", $"PostgreSQL {own}.", $"PostgreSQL {theirs} (or newer)",
                format == "custom" ? $"pg_restore {theirs} or newer" : "psql");
            if (from >= 17 && Major <= 16)
                Assert.Contains("SET transaction_timeout", refused.StdErr, StringComparison.Ordinal);
            Assert.Equal(databasesBefore, await target.ScalarAsync<string>("postgres", databases));
            Assert.Equal(rolesBefore, await target.ScalarAsync<string>("postgres", roles));
            Assert.Equal(filesBefore, Directory.GetFiles(Exchange.Backups(from, format)).Order().ToList());
        }
    }
}
