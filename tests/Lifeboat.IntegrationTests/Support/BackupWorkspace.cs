namespace Lifeboat.IntegrationTests.Support;

/// <summary>
/// What a backup spec works with: a database of its own (empty, small, or a copy of the fixture) and a fresh backup
/// folder. Disposing drops every database whose name starts with <see cref="Database"/> (a restore's target made with
/// <see cref="OtherDatabaseName"/>, say) and deletes the folder, whether the spec passed or not.
/// </summary>
public sealed class BackupWorkspace : IAsyncDisposable
{
    BackupWorkspace(PostgresServer server, string database, BackupFolder folder)
    {
        Server = server;
        Database = database;
        Folder = folder;
    }

    public PostgresServer Server { get; }

    public string Database { get; }

    public BackupFolder Folder { get; }

    /// <summary>PG* variables for <see cref="Database"/>: a new dictionary each time, for a spec to change.</summary>
    public IDictionary<string, string> Env => Server.ClientEnvironment(Database);

    /// <summary>An empty database (from template1), for specs that fill it themselves.</summary>
    public static Task<BackupWorkspace> WithEmptyDatabaseAsync(PostgresServer server, string prefix) =>
        CreateAsync(server, () => server.CreateEmptyDatabaseAsync(prefix));

    /// <summary>A database with one table of 100 rows: backups of it take well under a second.</summary>
    public static Task<BackupWorkspace> WithSmallDatabaseAsync(PostgresServer server, string prefix) =>
        CreateAsync(server, () => server.CreateSmallDatabaseAsync(prefix));

    /// <summary>A copy of the ~100 MB fixture database (celestial_template).</summary>
    public static Task<BackupWorkspace> WithFixtureDatabaseAsync(PostgresServer server, string prefix) =>
        CreateAsync(server, () => server.CreateDatabaseFromTemplateAsync(prefix));

    /// <summary>A database made by <c>CREATE DATABASE name <paramref name="options"/></c> (an encoding of its own, say).</summary>
    public static Task<BackupWorkspace> WithDatabaseAsync(PostgresServer server, string prefix, string options) =>
        CreateAsync(server, async () =>
        {
            var name = DatabaseHelpers.UniqueName(prefix);
            await server.ExecuteAsync("postgres", $"CREATE DATABASE \"{name}\" {options}");
            return name;
        });

    /// <summary>Runs <paramref name="sql"/> in <see cref="Database"/> (to give it data the spec needs).</summary>
    public Task ExecuteAsync(string sql) => Server.ExecuteAsync(Database, sql);

    /// <summary>A name for another database that is dropped with the workspace (a restore's --target-db, say).</summary>
    public string OtherDatabaseName(string suffix) => $"{Database}_{suffix}";

    /// <summary>The arguments of `lifeboat backup` for <see cref="Database"/> into <see cref="Folder"/>.</summary>
    public List<string> BackupArgs(params string[] more) => Server.BackupArgs(Database, Folder.Path, more);

    /// <summary>Runs `lifeboat backup` of <see cref="Database"/> into <see cref="Folder"/> with <paramref name="more"/>; returns what it printed.</summary>
    public Task<CliResult> RunBackupAsync(params string[] more) => LifeboatCli.RunAsync(BackupArgs(more), Env);

    static async Task<BackupWorkspace> CreateAsync(PostgresServer server, Func<Task<string>> createDatabase)
    {
        var database = await createDatabase();
        try
        {
            return new BackupWorkspace(server, database, BackupFolder.Create());
        }
        catch
        {
            await server.DropDatabaseAsync(database);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Server.DropDatabasesStartingWithAsync(Database);
        }
        finally
        {
            Folder.Dispose();
        }
    }
}
