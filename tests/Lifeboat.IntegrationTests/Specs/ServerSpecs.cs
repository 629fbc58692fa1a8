using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

[Collection("postgres")]
public sealed class ServerSpecs(ClusterFixture cluster)
{
    [Fact]
    public async Task The_test_server_has_the_fixture_loaded()
    {
        var server = cluster.Server;
        var database = await server.CreateDatabaseFromTemplateAsync("smoke");
        try
        {
            Assert.Equal("6cdf0b06a3e9", await server.ScalarAsync<string>(database, "SELECT version_num FROM alembic_version"));

            // 15 application tables + alembic_version. PostGIS also puts spatial_ref_sys in public,
            // so count only tables that don't belong to an extension.
            var tables = await server.ScalarAsync<long>(database, """
                SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
                """);
            Assert.Equal(16, tables);
        }
        finally
        {
            await server.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_backup_workspace_leaves_no_database_and_no_folder_behind()
    {
        var server = cluster.Server;
        string database, other, folder;
        await using (var ws = await BackupWorkspace.WithSmallDatabaseAsync(server, "harness"))
        {
            (database, other, folder) = (ws.Database, ws.OtherDatabaseName("restored"), ws.Folder.Path);
            await server.ExecuteAsync("postgres", $"CREATE DATABASE \"{other}\"");
            await File.WriteAllTextAsync(ws.Folder.File("a-backup.json"), "{}");
        }

        Assert.Equal(0, await server.ScalarAsync<long>("postgres",
            $"SELECT count(*) FROM pg_database WHERE datname IN ({RestoreWorkspace.Literal(database)}, {RestoreWorkspace.Literal(other)})"));
        Assert.False(Directory.Exists(folder), folder);
    }

    [Fact]
    public async Task The_cli_harness_runs_lifeboat()
    {
        // Proves lifeboat.dll is in the output folder and starts; the CLI's own specs test what it prints.
        var result = await LifeboatCli.RunAsync(["--version"], timeout: TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
