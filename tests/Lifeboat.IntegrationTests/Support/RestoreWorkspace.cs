using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Xunit;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>
/// What a restore spec works with: a fresh copy of the fixture database, a fresh backup folder, the CLI pointed at
/// both, and the questions a spec asks afterwards (what's in the database, which scratch databases are left).
/// Disposing drops every database whose name starts with the workspace database's name and deletes the folder.
/// </summary>
public sealed class RestoreWorkspace : IAsyncDisposable
{
    public const string MarkerPrefix = "lifeboat-marker-";

    /// <summary>The fixture tables whose every row goes into <see cref="FingerprintAsync"/>; the others count rows only.</summary>
    static readonly string[] HashedTables =
    [
        "alembic_version", "alert_triggers", "alerts", "celestial_signs", "earthquakes", "meteor_showers",
        "orbital_elements", "prophecies", "prophecy_sign_links", "volcanic_activity",
    ];

    RestoreWorkspace(PostgresServer server, string database, string backupDir)
    {
        Server = server;
        Database = database;
        BackupDir = backupDir;
    }

    public PostgresServer Server { get; }

    /// <summary>The database the specs back up and restore (a copy of the fixture template).</summary>
    public string Database { get; }

    public string BackupDir { get; }

    public IDictionary<string, string> Env => Server.ClientEnvironment(Database);

    public static async Task<RestoreWorkspace> CreateAsync(PostgresServer server, string prefix)
    {
        var database = await server.CreateDatabaseFromTemplateAsync(prefix);
        var folder = Directory.CreateTempSubdirectory($"lifeboat-{prefix}-").FullName;
        return new RestoreWorkspace(server, database, folder);
    }

    /// <summary>A name for another database that is cleaned up with the workspace.</summary>
    public string OtherDatabaseName(string suffix) => $"{Database}_{suffix}";

    // ---- the CLI ---------------------------------------------------------------------------------------------

    /// <summary>Backs up <see cref="Database"/>; asserts success and returns the new backup's manifest.</summary>
    public async Task<BackupOnDisk> BackupAsync(params string[] extra)
    {
        var before = Backups().Select(b => b.Stem).ToHashSet(StringComparer.Ordinal);
        var result = await LifeboatCli.RunAsync(["backup", "-d", Database, "--backup-dir", BackupDir, "--no-prune", .. extra], Env);
        Assert.True(result.ExitCode == 0, $"backup failed: {result}");
        var created = Backups().Where(b => !before.Contains(b.Stem)).ToList();
        Assert.True(created.Count == 1, $"expected one new backup in {BackupDir}, found {created.Count}: {result}");
        return created[0];
    }

    /// <summary>Runs `lifeboat restore -d Database --backup-dir BackupDir` plus <paramref name="extra"/>, without a terminal.</summary>
    public Task<CliResult> RestoreAsync(params string[] extra) => RestoreAsync(extra, null);

    /// <summary>The same, with a timeout of its own, or with <paramref name="env"/> added to <see cref="Env"/> (a <see cref="FakePgBin"/>'s, say).</summary>
    public Task<CliResult> RestoreAsync(IEnumerable<string> extra, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var environment = Env;
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
            environment[key] = value;
        return LifeboatCli.RunAsync(["restore", "-d", Database, "--backup-dir", BackupDir, .. extra], environment, timeout: timeout);
    }

    public Task<CliProcess> StartRestoreAsync(params string[] extra) =>
        LifeboatCli.StartAsync(["restore", "-d", Database, "--backup-dir", BackupDir, .. extra], Env);

    /// <summary>Every complete backup (readable manifest) in the folder, oldest first.</summary>
    public IReadOnlyList<BackupOnDisk> Backups() =>
        Directory.GetFiles(BackupDir, "*.json")
            .Select(path => new BackupOnDisk(path, ManifestOnDisk.Read(path)))
            .OrderBy(b => b.Manifest.StartedAt)
            .ToList();

    // ---- the server --------------------------------------------------------------------------------------------

    public Task ExecuteAsync(string sql) => Server.ExecuteAsync(Database, sql);

    public Task<T?> ScalarAsync<T>(string sql) => Server.ScalarAsync<T>(Database, sql);

    public async Task<bool> DatabaseExistsAsync(string name) =>
        await Server.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_database WHERE datname = {Literal(name)}") == 1;

    /// <summary>Databases a restore of <see cref="Database"/> creates on the side: staging (…__lifeboat_*) and replaced (…__lifeboat_old_*).</summary>
    public async Task<IReadOnlyList<string>> ScratchDatabasesAsync(string? target = null)
    {
        var prefix = (target ?? Database) + "__lifeboat";
        return await ListAsync("postgres",
            $"SELECT datname FROM pg_database WHERE starts_with(datname, {Literal(prefix)}) ORDER BY datname");
    }

    /// <summary>Adds a marker row to celestial_signs, so that a later check tells which backup a database came from.</summary>
    public Task AddMarkerAsync(string marker, string? database = null) =>
        Server.ExecuteAsync(database ?? Database,
            $"INSERT INTO celestial_signs (name, category, description) VALUES ({Literal(MarkerPrefix + marker)}, 'other', 'added by a restore spec')");

    /// <summary>The markers in a database, sorted, e.g. "1,2".</summary>
    public async Task<string> MarkersAsync(string? database = null) =>
        await Server.ScalarAsync<string>(database ?? Database,
            $"SELECT coalesce(string_agg(substr(name, {MarkerPrefix.Length + 1}), ',' ORDER BY name), '') FROM celestial_signs WHERE starts_with(name, {Literal(MarkerPrefix)})")
        ?? "";

    /// <summary>
    /// What a database holds, as text that is equal for equal data: the migration version, every user table of the
    /// public schema with its row count, and an MD5 of every row of the larger fixture tables.
    /// </summary>
    public async Task<string> FingerprintAsync(string? database = null)
    {
        database ??= Database;
        var tables = await ListAsync(database, """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d
                              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY c.relname
            """);
        var text = new StringBuilder();
        await using var connection = new NpgsqlConnection(Server.ConnectionString(database));
        await connection.OpenAsync();
        foreach (var table in tables)
        {
            var sql = HashedTables.Contains(table)
                ? $"SELECT count(*)::text || ' ' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '-') FROM public.\"{table}\" t"
                : $"SELECT count(*)::text FROM public.\"{table}\"";
            await using var command = new NpgsqlCommand(sql, connection);
            text.Append(table).Append(": ").Append((string?)await command.ExecuteScalarAsync()).Append('\n');
        }
        await using (var version = new NpgsqlCommand(
            "SELECT CASE WHEN to_regclass('public.alembic_version') IS NULL THEN 'none' ELSE (SELECT string_agg(version_num, ',') FROM public.alembic_version) END",
            connection))
            text.Append("alembic_version = ").Append((string?)await version.ExecuteScalarAsync());
        return text.ToString();
    }

    public async Task<IReadOnlyList<string>> ListAsync(string database, string sql)
    {
        var values = new List<string>();
        await using var connection = new NpgsqlConnection(Server.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            values.Add(reader.GetString(0));
        return values;
    }

    /// <summary>Decompressed copies of this workspace's backups still beside them (a restore must leave none).</summary>
    public IReadOnlyList<string> LeftoverCopies() =>
        (Directory.Exists(BackupDir) ? Directory.GetDirectories(BackupDir, ".lifeboat-restore-*") : [])
            .SelectMany(SafeFiles).Where(f => Path.GetFileName(f).StartsWith(Database + "_backup_", StringComparison.Ordinal)).ToList();

    static IEnumerable<string> SafeFiles(string dir)
    {
        try { return Directory.GetFiles(dir); }
        catch (IOException) { return []; } // removed meanwhile by the restore that owned it
    }

    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A time as a user types it for --at: local time, to the second.</summary>
    public static string AtText(DateTimeOffset time) =>
        time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Server.DropDatabasesStartingWithAsync(Database);
        }
        finally
        {
            try { Directory.Delete(BackupDir, recursive: true); }
            catch (IOException) { } // best effort: it is in the temp folder
            catch (UnauthorizedAccessException) { }
        }
    }
}

/// <summary>A complete backup in the folder: its manifest's path and content.</summary>
public sealed record BackupOnDisk(string ManifestPath, ManifestOnDisk Manifest)
{
    public string Folder => Path.GetDirectoryName(ManifestPath)!;
    public string Stem => Path.GetFileNameWithoutExtension(ManifestPath);
    public string ArchiveName => Manifest.Archive.Name;
    public string ArchivePath => Path.Combine(Folder, Manifest.Archive.Name);

    /// <summary>Edits the manifest's JSON in place (it is not checksummed itself).</summary>
    public void EditManifest(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(ManifestPath))!.AsObject();
        edit(json);
        File.WriteAllText(ManifestPath, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }
}
