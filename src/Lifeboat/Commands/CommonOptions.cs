using System.CommandLine;
using Lifeboat.Core;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Retention;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Every option of every command, defined once (name, description, default from <see cref="Defaults"/>, validation);
/// each command takes the ones it needs. A factory per option: System.CommandLine wants one instance per command.
/// </summary>
public static class CommonOptions
{
    public static Option<string?> Host() => new("--host", "-h") { Description = "Server host (default: PGHOST, then localhost)" };
    public static Option<string?> Username() => new("--username", "-U") { Description = "User name (default: PGUSER, then the OS user)" };
    public static Option<string?> Dbname() => new("--dbname", "-d") { Description = "Database (default: PGDATABASE, then the user name)" };
    public static Option<string> BackupDir() => new("--backup-dir") { Description = "Folder of the backups", DefaultValueFactory = _ => Defaults.BackupDirectory };
    public static Option<string?> PgBin() => new("--pg-bin") { Description = "Folder of pg_dump/pg_restore/psql (default: PATH and the usual install folders)" };
    public static Option<bool> Json() => new("--json") { Description = "Print the result as JSON for scripts instead of text" };
    public static Option<string?> Label() => new("--label") { Description = "A note kept in the manifest (e.g. pre-migration)" };
    public static Option<bool> DryRun() => new("--dry-run") { Description = "Show what would be removed, remove nothing" };

    public static Option<int?> Port()
    {
        var port = new Option<int?>("--port", "-p") { Description = "Server port (default: PGPORT, then 5432)" };
        port.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1 or > 65535)
                r.AddError("--port must be between 1 and 65535");
        });
        return port;
    }

    public static Option<BackupFormat> Format() =>
        Choice("--format", "custom: .dump, restorable in parallel; plain: .sql, the seed's", Defaults.Format, "-F");

    public static Option<Compression> Compress() =>
        Choice("--compress", "zstd is the default: as small as pg_dump's gzip, 4x faster", Defaults.Compression);

    public static Option<int> RetentionDays() => NonNegative(new Option<int>("--retention-days")
    {
        Description = "Delete this database's backups older than N days",
        DefaultValueFactory = _ => Defaults.RetentionDays,
    });

    public static Option<int> KeepLast() => NonNegative(new Option<int>("--keep-last")
    {
        Description = "…but never the newest N complete backups, whatever their age (at least 1 is always kept)",
        DefaultValueFactory = _ => Defaults.KeepLast,
    });

    public static Option<string?> File(string what) => new("--file") { Description = $"The backup to {what}: a path, or a backup's name in the backup folder" };
    public static Option<bool> Latest(string what) => new("--latest") { Description = $"{what} the newest complete backup (of --dbname)" };

    public static Option<int> Jobs(string what) => AtLeastOne(new Option<int>("--jobs", "-j")
    {
        Description = $"Parallel pg_restore jobs{what} (default: the number of cores)",
        DefaultValueFactory = _ => Defaults.Jobs,
    }, "--jobs must be 1 or more");

    public static Option<string> MaintenanceDb() => new("--maintenance-db")
    {
        Description = "Database to connect to for CREATE/RENAME/DROP of scratch databases",
        DefaultValueFactory = _ => Defaults.MaintenanceDatabase,
    };

    public static Option<int> SwapTimeout() => AtLeastOne(new Option<int>("--swap-timeout")
    {
        Description = "Seconds the swap may take to end the target's sessions before it rolls back",
        DefaultValueFactory = _ => Defaults.SwapTimeoutSeconds,
    }, "--swap-timeout must be 1 second or more");

    /// <summary>The retention policy from --retention-days and --keep-last.</summary>
    public static RetentionPolicy Policy(ParseResult parse, Option<int> retentionDays, Option<int> keepLast) =>
        new(parse.GetValue(retentionDays), parse.GetValue(keepLast));

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
        }

        public ConnectionSettings Resolve(ParseResult parse, string? database = null) =>
            ConnectionSettings.Resolve(parse.GetValue(Host), parse.GetValue(Port), parse.GetValue(Username), parse.GetValue(Dbname) ?? database);

        /// <summary>Whether -d or PGDATABASE names the database (otherwise libpq's default, the user name, would be taken).</summary>
        public bool DatabaseGiven(ParseResult parse) =>
            parse.GetValue(Dbname) is not null || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PGDATABASE"));
    }

    /// <summary>An enum option that accepts lower-case names and says in one line which values exist.</summary>
    private static Option<T> Choice<T>(string name, string description, T defaultValue, params string[] aliases) where T : struct, Enum
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

    private static Option<int> NonNegative(Option<int> option)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
                r.AddError($"{option.Name} must be 0 or more");
        });
        return option;
    }

    private static Option<int> AtLeastOne(Option<int> option, string message)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
                r.AddError(message);
        });
        return option;
    }
}
