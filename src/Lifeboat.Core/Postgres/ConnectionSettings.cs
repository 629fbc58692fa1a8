using Npgsql;

namespace Lifeboat.Core.Postgres;

/// <summary>Where and as whom to connect. Defaults follow libpq: flag, then PG* variable, then localhost/5432/OS user.</summary>
public sealed record ConnectionSettings(string Host, int Port, string User, string Database)
{
    /// <summary>Never serialised, logged or put on a command line; children get it through PGPASSWORD in their environment.</summary>
    public string? Password { get; init; }

    // The record's generated ToString would print the password: name only what is safe.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Host = {Host}, Port = {Port}, User = {User}, Database = {Database}, Password = {(Password is null ? "(none)" : "********")}");
        return true;
    }

    public static ConnectionSettings Resolve(string? host, int? port, string? user, string? database)
    {
        var env = Environment.GetEnvironmentVariables();
        string? Env(string name) => env[name] is string s && s.Length > 0 ? s : null;

        var resolvedUser = user ?? Env("PGUSER") ?? Environment.UserName;
        var resolvedPort = port ?? PortFromEnvironment(Env("PGPORT"));
        return new ConnectionSettings(
            host ?? Env("PGHOST") ?? "localhost",
            resolvedPort,
            resolvedUser,
            database ?? Env("PGDATABASE") ?? resolvedUser)
        {
            Password = Env("PGPASSWORD"),
        };
    }

    /// <summary>PGPORT as libpq reads it: unset is 5432; a value that is not a port is an error, never silently 5432.</summary>
    private static int PortFromEnvironment(string? text)
    {
        if (text is null)
            return 5432;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
            return port;
        throw new Errors.LifeboatException($"unable to connect: the environment variable PGPORT is '{text}', not a port number from 1 to 65535",
            "fix or unset PGPORT, or give --port", Errors.ExitCodes.Usage);
    }

    public ConnectionSettings WithDatabase(string database) => this with { Database = database };

    internal string ToConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = User,
            Database = Database,
            Password = Password,
            ApplicationName = "lifeboat",
            Pooling = false,
            Timeout = 15,
            CommandTimeout = 0,
            IncludeErrorDetail = true,
            // Never wait forever behind another session's lock (a migration left in its transaction): fail clearly.
            Options = $"-c lock_timeout={Defaults.LockTimeoutSeconds}s",
        };
        if (Password is null && PassFile.Locate() is { } passfile)
            builder.Passfile = passfile;
        return builder.ConnectionString;
    }

    /// <summary>The libpq variables a child pg_dump/pg_restore/psql needs; the password travels here, never in argv.</summary>
    public IReadOnlyDictionary<string, string?> ChildEnvironment(string? database = null)
    {
        var vars = new Dictionary<string, string?>
        {
            ["PGHOST"] = Host,
            ["PGPORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = User,
            ["PGDATABASE"] = database ?? Database,
            ["PGAPPNAME"] = "lifeboat",
            ["PGCONNECT_TIMEOUT"] = "15",
        };
        if (Password is not null)
            vars["PGPASSWORD"] = Password;
        return vars;
    }
}
