using System.Net.Sockets;
using Lifeboat.Core.Errors;
using Npgsql;

namespace Lifeboat.Core.Postgres;

/// <summary>Opens connections and turns PostgreSQL's failures into one line a user can act on.</summary>
public static class PostgresConnector
{
    public static async Task<NpgsqlConnection> OpenAsync(ConnectionSettings settings, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(settings.ToConnectionString());
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            await connection.DisposeAsync();
            throw Translate(e, settings);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException
                                    && Environment.GetEnvironmentVariable("PGPASSFILE") is { Length: > 0 } passfile)
        {
            // Npgsql reads the file PGPASSFILE names even when it is not there (libpq skips it).
            await connection.DisposeAsync();
            throw new LifeboatException($"unable to log in to {settings.Host}:{settings.Port} as '{settings.User}': the password file '{passfile}' that PGPASSFILE names does not exist",
                "create it, or unset PGPASSFILE, or set PGPASSWORD", ExitCodes.Connection, e);
        }
    }

    /// <summary>
    /// Connects once to learn whether a password is needed; asks for one only when a terminal is there
    /// and the server wants it (like psql), otherwise fails naming PGPASSWORD and .pgpass.
    /// </summary>
    public static async Task<ConnectionSettings> AuthenticateAsync(ConnectionSettings settings, IPasswordPrompt? prompt, CancellationToken ct)
    {
        var (authenticated, connection) = await ConnectAsync(settings, prompt, ct);
        await connection.DisposeAsync();
        return authenticated;
    }

    /// <summary>As <see cref="AuthenticateAsync"/>, keeping the connection it opened (one login fewer).</summary>
    public static async Task<(ConnectionSettings Settings, NpgsqlConnection Connection)> ConnectAsync(ConnectionSettings settings,
        IPasswordPrompt? prompt, CancellationToken ct)
    {
        try
        {
            return (settings, await OpenAsync(settings, ct));
        }
        catch (LifeboatException e) when (e.Data.Contains(PasswordMissingKey) && prompt is not null)
        {
            var password = await prompt.AskPasswordAsync($"{settings.User}@{settings.Host}:{settings.Port}", ct);
            if (password is null)
                throw;
            // Asked at a terminal and answered with Enter alone: "run in a terminal to be asked" would be no help.
            if (password.Length == 0)
                throw new LifeboatException(
                    $"unable to log in to {settings.Host}:{settings.Port} as '{settings.User}': the server asks for a password and no password was typed",
                    "type the password at the prompt, or set PGPASSWORD, or add a line to ~/.pgpass (or the file PGPASSFILE names)",
                    ExitCodes.Connection, e);
            var withPassword = settings with { Password = password };
            return (withPassword, await OpenAsync(withPassword, ct));
        }
    }

    private const string PasswordMissingKey = "lifeboat.password-missing";

    public static LifeboatException Translate(Exception e, ConnectionSettings s)
    {
        var where = $"{s.Host}:{s.Port}";
        if (e is PostgresException pg)
            return TranslateSqlState(pg, s, where);
        if (e is NpgsqlException { InnerException: PostgresException inner })
            return TranslateSqlState(inner, s, where);

        var message = e.Message;
        if (message.Contains("password", StringComparison.OrdinalIgnoreCase) && message.Contains("provided", StringComparison.OrdinalIgnoreCase))
        {
            var missing = new LifeboatException(
                $"unable to log in to {where} as '{s.User}': the server asks for a password and none was given",
                "set PGPASSWORD, or add a line to ~/.pgpass (or the file PGPASSFILE names), or run in a terminal to be asked",
                ExitCodes.Connection, e);
            missing.Data[PasswordMissingKey] = true;
            return missing;
        }
        var socket = e as SocketException ?? e.InnerException as SocketException;
        if (socket?.SocketErrorCode == SocketError.ConnectionRefused)
            return new LifeboatException($"unable to connect to PostgreSQL at {where}: connection refused",
                "is the server running? check --host/--port (or PGHOST/PGPORT)", ExitCodes.Connection, e);
        if (socket?.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData)
            return new LifeboatException($"unable to connect to PostgreSQL at {where}: host '{s.Host}' not found",
                "check --host (or PGHOST)", ExitCodes.Connection, e);
        if (e is TimeoutException || e.InnerException is TimeoutException)
            return new LifeboatException($"unable to connect to PostgreSQL at {where}: timed out",
                "check --host/--port and any firewall between here and the server", ExitCodes.Connection, e);
        return new LifeboatException($"unable to connect to PostgreSQL at {where}: {FirstLine(message)}",
            "check the connection options", ExitCodes.Connection, e);
    }

    private static LifeboatException TranslateSqlState(PostgresException pg, ConnectionSettings s, string where) => pg.SqlState switch
    {
        PostgresErrorCodes.InvalidPassword => new LifeboatException(
            $"unable to log in to {where} as '{s.User}': password authentication failed",
            "check PGPASSWORD or the matching line in ~/.pgpass (PGPASSFILE)", ExitCodes.Connection, pg),
        PostgresErrorCodes.InvalidAuthorizationSpecification => new LifeboatException(
            $"unable to log in to {where} as '{s.User}': {pg.MessageText}",
            "check the user name, and that pg_hba.conf allows this host", ExitCodes.Connection, pg),
        PostgresErrorCodes.InvalidCatalogName => new LifeboatException(
            $"unable to connect to database '{s.Database}' on {where}: it does not exist",
            "check --dbname (or PGDATABASE); `lifeboat list` shows the databases you have backups of", ExitCodes.Connection, pg),
        PostgresErrorCodes.InsufficientPrivilege => new LifeboatException(
            $"unable to connect to database '{s.Database}' on {where} as '{s.User}': permission denied",
            "grant CONNECT on the database to this user, or connect as its owner", ExitCodes.Connection, pg),
        PostgresErrorCodes.TooManyConnections => new LifeboatException(
            $"unable to connect to {where}: too many connections", "try again later or raise max_connections", ExitCodes.Connection, pg),
        _ => new LifeboatException($"PostgreSQL error on {where} ({pg.SqlState}): {pg.MessageText}", null, ExitCodes.Failure, pg),
    };

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
