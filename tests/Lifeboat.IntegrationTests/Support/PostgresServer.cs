using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster in a temp directory, on a free port, tuned for speed
/// (fsync off). Only TCP + scram password auth is used by clients, like in production.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string TemplateDatabase = "celestial_template";

    // The fixture multiplies integers by :scale and adds the result to dates, so a fractional
    // scale (0.1) fails with "operator does not exist: date + numeric"; 1 is the smallest that works.
    public const double TemplateScale = 1;

    const string TestPassword = "lifeboat-test-secret";

    readonly string _root;
    readonly string _binDir;
    readonly bool _asPostgresUser;
    int _stopped;

    PostgresServer(string root, string binDir, int port, bool asPostgresUser)
    {
        _root = root;
        _binDir = binDir;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public string Host => "127.0.0.1";
    public int Port { get; }
    public string User => "postgres";
    public string Password => TestPassword;
    public string DataDirectory => Path.Combine(_root, "data");
    public string BinDirectory => _binDir;

    /// <summary>The server's major version: the number of its folder under /usr/lib/postgresql.</summary>
    public int Major => int.Parse(Path.GetFileName(Path.GetDirectoryName(_binDir))!, CultureInfo.InvariantCulture);

    /// <summary>The major a server started now would run: the newest installed (what <see cref="StartAsync"/> picks).</summary>
    public static int NewestInstalledMajor() => int.Parse(Path.GetFileName(Path.GetDirectoryName(FindBinDirectory()))!, CultureInfo.InvariantCulture);
    string LogFile => Path.Combine(_root, "server.log");

    public static string FixturePath => Path.Combine(AppContext.BaseDirectory, "fixtures", "celestial_signs.sql");

    public static async Task<PostgresServer> StartAsync(bool loadFixtureTemplate)
    {
        var binDir = FindBinDirectory();
        var asPostgres = await IsRootAsync();
        var root = Directory.CreateTempSubdirectory("lifeboat-pg-").FullName;
        var server = new PostgresServer(root, binDir, FreePort(), asPostgres);
        try
        {
            await server.InitAndStartAsync();
            if (loadFixtureTemplate)
            {
                await server.ExecuteAsync("postgres", $"CREATE DATABASE {TemplateDatabase}");
                await server.LoadFixtureAsync(TemplateDatabase, TemplateScale);
            }
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    async Task InitAndStartAsync()
    {
        // initdb reads the superuser password from a file so it never appears on a command line.
        var pwFile = Path.Combine(_root, "pwfile");
        await File.WriteAllTextAsync(pwFile, Password + "\n");
        if (_asPostgresUser)
            await RunAsync("chown", ["-R", "postgres", _root]); // PostgreSQL refuses to run as root

        await RunPgAsync("initdb", ["-D", DataDirectory, "-U", User, "--auth-local=trust",
            "--auth-host=scram-sha-256", $"--pwfile={pwFile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
        File.Delete(pwFile);

        // pg_ctl hands -o to a shell, hence the quoted socket directory.
        var options = $"-p {Port} -c listen_addresses=127.0.0.1 -k '{_root}' -c fsync=off " +
                      "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200 -c max_prepared_transactions=10";
        try
        {
            await RunPgAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-w", "-o", options, "start"]);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{e.Message}\n--- server log ---\n{Tail(ReadLog(), 30)}", e);
        }
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = Host, Port = Port, Username = User, Password = Password, Database = database,
        Pooling = false, Timeout = 30, CommandTimeout = 300,
    }.ConnectionString;

    /// <summary>PG* variables that point a child process (psql, pg_dump, lifeboat) at this server.</summary>
    public IDictionary<string, string> ClientEnvironment(string database) => new Dictionary<string, string>
    {
        ["PGHOST"] = Host,
        ["PGPORT"] = Port.ToString(CultureInfo.InvariantCulture),
        ["PGUSER"] = User,
        ["PGPASSWORD"] = Password,
        ["PGDATABASE"] = database,
    };

    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        if (value is null or DBNull)
            return default;
        if (value is T typed)
            return typed;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
    }

    /// <summary>Creates <c>prefix_xxxxxxxx</c> as a copy of the fixture template and returns its name.</summary>
    public async Task<string> CreateDatabaseFromTemplateAsync(string prefix)
    {
        var name = $"{prefix}_{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
        await ExecuteAsync("postgres", $"CREATE DATABASE \"{name}\" TEMPLATE {TemplateDatabase}");
        return name;
    }

    public Task DropDatabaseAsync(string name) =>
        ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");

    /// <summary>Drops every database whose name starts with <paramref name="prefix"/>: a spec's database and all it made on the side.</summary>
    public async Task DropDatabasesStartingWithAsync(string prefix)
    {
        var names = await ScalarAsync<string[]>("postgres",
            $"SELECT array_agg(datname::text) FROM pg_database WHERE starts_with(datname, '{prefix.Replace("'", "''", StringComparison.Ordinal)}')");
        foreach (var name in names ?? [])
            await DropDatabaseAsync(name);
    }

    public Task LoadFixtureAsync(string database, double scale)
    {
        var env = ClientEnvironment(database);
        env.Remove("PGDATABASE");
        return RunAsync(Path.Combine(_binDir, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1",
            "-v", $"scale={scale.ToString(CultureInfo.InvariantCulture)}", "-d", database, "-f", FixturePath], env);
    }

    public string ReadLog()
    {
        try { return File.ReadAllText(LogFile); }
        catch (IOException) { return ""; }
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await Task.Run(Stop);
    }

    void OnProcessExit(object? sender, EventArgs e)
    {
        try { Stop(); }
        catch (Exception) { } // the process is going away; nothing useful to do with the error
    }

    // Synchronous so it can also run from ProcessExit; idempotent.
    void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
            return;
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
                RunPgAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]).GetAwaiter().GetResult();
        }
        finally
        {
            try { Directory.Delete(_root, recursive: true); }
            catch (IOException) { } // best effort: it's in the temp dir anyway
            catch (UnauthorizedAccessException) { }
        }
    }

    Task RunPgAsync(string tool, IReadOnlyList<string> args)
    {
        var exe = Path.Combine(_binDir, tool);
        return _asPostgresUser
            ? RunAsync(File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser", ["-u", "postgres", "--", exe, .. args])
            : RunAsync(exe, args);
    }

    /// <summary>Runs a command to completion; throws with the tail of stderr when it fails.</summary>
    static async Task<string> RunAsync(string file, IReadOnlyList<string> args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(), // a directory the postgres user can enter
        };
        foreach (var arg in args)
            psi.ArgumentList.Add(arg);
        // Inherited PG* variables (PGDATA, PGSERVICE, ...) must not leak into our tools.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
            psi.Environment[key] = value;

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var (output, errors) = (await stdout, await stderr);
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} {string.Join(' ', args)} exited with {process.ExitCode}:\n" +
                Tail(errors.Length > 0 ? errors : output, 30));
        return output;
    }

    static string Tail(string text, int lines) =>
        string.Join('\n', text.TrimEnd().Split('\n').TakeLast(lines));

    static string FindBinDirectory()
    {
        var best = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(dir => (dir, version: decimal.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(x => x.version >= 0 && File.Exists(Path.Combine(x.dir, "bin", "initdb")))
                .OrderByDescending(x => x.version)
                .Select(x => Path.Combine(x.dir, "bin"))
                .FirstOrDefault()
            : null;
        return best ?? throw new InvalidOperationException(
            "No PostgreSQL server found under /usr/lib/postgresql/*/bin; run scripts/test, which installs it.");
    }

    static async Task<bool> IsRootAsync() =>
        Environment.UserName == "root" || (await RunAsync("id", ["-u"])).Trim() == "0";

    static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
