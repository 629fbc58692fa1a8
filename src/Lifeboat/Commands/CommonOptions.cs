using System.CommandLine;
using Lifeboat.Core.Postgres;

namespace Lifeboat.Cli.Commands;

/// <summary>Every option that more than one command takes, defined once.</summary>
public static class CommonOptions
{
    public static Option<string?> Host() => new("--host", "-h") { Description = "Server host (default: PGHOST, then localhost)" };
    public static Option<int?> Port() => new("--port", "-p") { Description = "Server port (default: PGPORT, then 5432)" };
    public static Option<string?> Username() => new("--username", "-U") { Description = "User name (default: PGUSER, then the OS user)" };
    public static Option<string?> Dbname() => new("--dbname", "-d") { Description = "Database (default: PGDATABASE, then the user name)" };
    public static Option<string> BackupDir() => new("--backup-dir") { Description = "Folder of the backups", DefaultValueFactory = _ => "./backups" };
    public static Option<string?> PgBin() => new("--pg-bin") { Description = "Folder of pg_dump/pg_restore/psql (default: PATH and the usual install folders)" };
    public static Option<bool> Json() => new("--json") { Description = "Print JSON for scripts instead of text" };

    /// <summary>The connection options as a group, added to a command together.</summary>
    public sealed class Connection
    {
        public Option<string?> Host { get; } = CommonOptions.Host();
        public Option<int?> Port { get; } = CommonOptions.Port();
        public Option<string?> Username { get; } = CommonOptions.Username();
        public Option<string?> Dbname { get; } = CommonOptions.Dbname();

        public void AddTo(Command command)
        {
            command.Options.Add(Host);
            command.Options.Add(Port);
            command.Options.Add(Username);
            command.Options.Add(Dbname);
            Port.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int?>() is < 1 or > 65535)
                    r.AddError("--port must be between 1 and 65535");
            });
        }

        public ConnectionSettings Resolve(ParseResult parse) =>
            ConnectionSettings.Resolve(parse.GetValue(Host), parse.GetValue(Port), parse.GetValue(Username), parse.GetValue(Dbname));
    }

    /// <summary>An enum option that accepts lower-case names and says in one line which values exist.</summary>
    public static Option<T> Choice<T>(string name, string description, T defaultValue, params string[] aliases) where T : struct, Enum
    {
        var names = string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));
        return new Option<T>(name, aliases)
        {
            Description = $"{description} ({names})",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _))
                    return value;
                result.AddError($"{name} must be one of: {names} (not '{text}')");
                return defaultValue;
            },
        };
    }

    public static void NonNegative(Option<int> option)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
                r.AddError($"{option.Name} must be 0 or more");
        });
    }
}
