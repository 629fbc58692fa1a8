using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lifeboat.IntegrationTests.Support;
using Npgsql;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>Issue 25: what a restore says it did: where the safety backup went, which created roles got their passwords back, the sessions the swap ended.</summary>
[Collection("postgres")]
public sealed class ReportingRestoreSpecs(ClusterFixture cluster, BareClusterFixture bare) : IClassFixture<BareClusterFixture>
{
    PostgresServer Server => cluster.Server;

    static List<string> RestoreArgs(BackupWorkspace ws, params string[] more) =>
        ["restore", "-d", ws.Database, "--backup-dir", ws.Folder.Path, "--latest", .. more];

    [Fact]
    public async Task Only_replacing_an_existing_target_db_takes_a_safety_backup_of_it_into_the_backup_folder_and_the_output_gives_its_path()
    {
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "rr_safety");
        CliAssert.Succeeded(await ws.RunBackupAsync());
        var scratch = ws.OtherDatabaseName("scratch");

        // A new --target-db replaces nothing: no safety backup.
        var created = await LifeboatCli.RunAsync(RestoreArgs(ws, "--target-db", scratch), ws.Env);

        CliAssert.Succeeded(created);
        Assert.Single(ws.Folder.CompleteStems());
        Assert.DoesNotContain("safety backup", created.StdOut);

        // Replacing it is a replacement like any other: what was in it is saved first, under its own name.
        await Server.ExecuteAsync(scratch, "INSERT INTO notes VALUES (1000, 'only in the scratch copy')");
        var replaced = await LifeboatCli.RunAsync(RestoreArgs(ws, "--target-db", scratch, "--force", "--json"), ws.Env);

        CliAssert.Succeeded(replaced);
        var path = (string?)JsonNode.Parse(replaced.StdOut)!["safetyBackup"];
        Assert.NotNull(path);
        Assert.True(File.Exists(path), $"the safety backup's archive is not at {path}\n{replaced}");
        Assert.Equal(ws.Folder.Path, Path.GetDirectoryName(path));
        Assert.StartsWith(scratch + "_backup_", Path.GetFileName(path));
        var manifest = BackupFolder.ReadManifest(Path.Combine(ws.Folder.Path, Path.GetFileName(path).Split('.')[0] + ".json"));
        Assert.Equal(scratch, (string?)manifest["database"]);
        Assert.Equal("pre-restore", (string?)manifest["label"]);
        Assert.Equal(101L, (long)manifest["tables"]!.AsArray().Single(t => (string?)t!["name"] == "notes")!["rows"]!);
        Assert.Equal(0L, await Server.ScalarAsync<long>(scratch, "SELECT count(*) FROM notes WHERE id = 1000"));

        // The text says where it went, too.
        var again = await LifeboatCli.RunAsync(RestoreArgs(ws, "--target-db", scratch, "--force"), ws.Env);

        CliAssert.Succeeded(again);
        var second = Assert.Single(Directory.GetFiles(ws.Folder.Path, scratch + "_backup_*.dump*"), p => p != path);
        Assert.Contains("safety backup", again.StdOut);
        Assert.Contains(second, again.StdOut);
        Assert.Equal(3, ws.Folder.CompleteStems().Count); // the database's own backup and the two of the scratch copy
    }

    [Fact]
    public async Task The_sessions_the_swap_ended_are_in_the_output_and_in_the_json()
    {
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "rr_sessions");
        CliAssert.Succeeded(await ws.RunBackupAsync());
        var clients = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var client = new NpgsqlConnection(Server.ConnectionString(ws.Database));
                await client.OpenAsync();
                clients.Add(client);
            }

            var text = await LifeboatCli.RunAsync(RestoreArgs(ws, "--force", "--no-safety-backup"), ws.Env);

            CliAssert.Succeeded(text);
            Assert.Matches(@"sessions ended\s+2 on the replaced database", text.StdOut);

            var client3 = new NpgsqlConnection(Server.ConnectionString(ws.Database));
            await client3.OpenAsync();
            clients.Add(client3);
            var json = await LifeboatCli.RunAsync(RestoreArgs(ws, "--force", "--no-safety-backup", "--json"), ws.Env);

            CliAssert.Succeeded(json);
            Assert.Equal(1, (int)JsonNode.Parse(json.StdOut)!["endedSessions"]!);

            // Nobody connected: nothing ended, nothing said.
            var quiet = await LifeboatCli.RunAsync(RestoreArgs(ws, "--force", "--no-safety-backup"), ws.Env);
            CliAssert.Succeeded(quiet);
            Assert.DoesNotContain("sessions ended", quiet.StdOut);
        }
        finally
        {
            foreach (var client in clients)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_create_roles_from_a_backup_with_role_passwords_the_output_says_which_roles_got_their_password_back()
    {
        var suffix = RandomNumberGenerator.GetHexString(6, lowercase: true);
        var (app, reader, db) = ($"rpapp_{suffix}", $"rpread_{suffix}", $"rolepw_{suffix}");
        using var folder = BackupFolder.Create();
        await Server.ExecuteAsync("postgres", $"CREATE ROLE {app} LOGIN PASSWORD 'secret-{suffix}'; CREATE ROLE {reader} NOLOGIN");
        await Server.ExecuteAsync("postgres", $"CREATE DATABASE {db} OWNER {app}");
        await Server.ExecuteAsync("postgres", $"GRANT CONNECT ON DATABASE {db} TO {reader}");
        try
        {
            CliAssert.Succeeded(await LifeboatCli.RunAsync(["backup", "-d", db, "--backup-dir", folder.Path, "--include-role-passwords"], Server.ClientEnvironment(db)));
            string[] restore = ["restore", "-d", db, "--backup-dir", folder.Path, "--latest", "--force", "--create-roles"];

            var text = await LifeboatCli.RunAsync(restore, bare.Server.ClientEnvironment("postgres"));

            CliAssert.Succeeded(text);
            Assert.Contains($"{app} (password restored)", text.StdOut);
            Assert.Contains($"{reader} (no password yet)", text.StdOut);
            Assert.DoesNotContain($"{app} (no password yet)", text.StdOut);
            await using (var login = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(bare.Server.ConnectionString(db)) { Username = app, Password = $"secret-{suffix}" }.ConnectionString))
                await login.OpenAsync(); // the hash really came back

            // The same in the JSON, on a server without the roles again.
            await bare.Server.DropDatabaseAsync(db);
            await bare.Server.ExecuteAsync("postgres", $"DROP ROLE {app}; DROP ROLE {reader}");
            var json = await LifeboatCli.RunAsync([.. restore, "--json"], bare.Server.ClientEnvironment("postgres"));

            CliAssert.Succeeded(json);
            var result = JsonNode.Parse(json.StdOut)!;
            Assert.Equal([app, reader], result["createdRoles"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal));
            Assert.Equal([app], result["rolesWithPasswords"]!.AsArray().Select(r => (string)r!));
        }
        finally
        {
            await Server.DropDatabaseAsync(db);
            await bare.Server.DropDatabaseAsync(db);
            foreach (var server in new[] { Server, bare.Server })
                await server.ExecuteAsync("postgres", $"DROP ROLE IF EXISTS {app}; DROP ROLE IF EXISTS {reader}");
        }
    }
}
