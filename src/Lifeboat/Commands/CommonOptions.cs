using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Lifeboat.Core;
using Lifeboat.Core.Catalog;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Restore;
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
    public static Option<string?> Dbname() => new("--dbname", "-d")
    {
        Description = "Database (default: PGDATABASE; without either, a command that connects uses the user name as psql does, "
            + "and one that only reads the backup folder takes every database in it)",
    };

    /// <summary>The database -d or PGDATABASE names, or null (every database in the folder) for commands that only read the folder.</summary>
    public static string? DatabaseOrEnvironment(ParseResult parse, Option<string?> dbname) =>
        parse.GetValue(dbname) ?? (Environment.GetEnvironmentVariable("PGDATABASE") is { Length: > 0 } env ? env : null);
    public static Option<string> BackupDir() => new("--backup-dir") { Description = "Folder of the backups", DefaultValueFactory = _ => Defaults.BackupDirectory };
    public static Option<string?> PgBin() => new("--pg-bin") { Description = "Folder of pg_dump/pg_restore/psql (default: PATH and the usual install folders)" };
    public static Option<bool> Json() => new("--json") { Description = "Print the result as JSON for scripts instead of text" };
    public static Option<string?> Label()
    {
        var label = new Option<string?>("--label") { Description = $"A note kept in the manifest (e.g. pre-migration; '{CatalogEntry.SafetyLabel}' is restore's own)" };
        label.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && string.Equals(r.Tokens[0].Value.Trim(), CatalogEntry.SafetyLabel, StringComparison.OrdinalIgnoreCase))
                r.AddError($"--label '{CatalogEntry.SafetyLabel}' is reserved for the safety backups restore takes (--latest and --at skip them): choose another label, e.g. pre-migration");
        });
        return label;
    }
    public static Option<bool> DryRun() => new("--dry-run") { Description = "Show what would be removed, remove nothing" };

    public static Option<int?> Port() => new("--port", "-p")
    {
        Description = "Server port (default: PGPORT, then 5432)",
        CustomParser = result => Whole(result, "--port", "a port number from 1 to 65535", 1, 65535),
    };

    public static Option<BackupFormat> Format() =>
        Choice("--format", "custom: .dump, restorable in parallel; plain: .sql, as the seed's scripts write", Defaults.Format, "-F");

    public static Option<Compression> Compress() =>
        Choice("--compress", "zstd: as small as pg_dump's gzip, 4x faster; gzip: what pg_dump writes by itself", Defaults.Compression);

    public static Option<int> RetentionDays() => Number("--retention-days", "Delete this database's backups older than N days",
        Defaults.RetentionDays, "a whole number of days, 0 or more (e.g. 7)", 0);

    public static Option<int> KeepLast() => Number("--keep-last",
        "…but never the newest N complete backups, whatever their age (at least 1 is always kept)",
        Defaults.KeepLast, "a whole number of backups, 0 or more (e.g. 3)", 0);

    public static Option<string?> File(string what) => new("--file") { Description = $"The backup to {what}: a path, or a backup's name in the backup folder" };
    /// <summary>--latest: the newest complete backup of the database; the safety backups restore takes are never "the latest".</summary>
    public static Option<bool> Latest(string what, string ofWhich = "of --dbname") =>
        new("--latest") { Description = $"{what} the newest complete backup {ofWhich} (safety backups, label pre-restore, are skipped)" };

    public static Option<int> Jobs(string what) => new("--jobs", "-j")
    {
        Description = $"Parallel pg_restore jobs{what}",
        DefaultValueFactory = _ => Defaults.Jobs,
        CustomParser = result => Whole(result, "--jobs", "a whole number of jobs, 1 or more (e.g. 4)", 1, 1024) ?? Defaults.Jobs,
    };

    public static Option<string> MaintenanceDb() => new("--maintenance-db")
    {
        Description = "Database to connect to for CREATE/RENAME/DROP of scratch databases",
        DefaultValueFactory = _ => Defaults.MaintenanceDatabase,
    };

    public static Option<int> SwapTimeout() => new("--swap-timeout")
    {
        Description = "How long the swap may take to end the target's sessions before it rolls back (seconds, or e.g. 1m)",
        DefaultValueFactory = _ => Defaults.SwapTimeoutSeconds,
        CustomParser = result => Seconds(result, "--swap-timeout", 1),
    };

    /// <summary>How long a backup waits for a lock another session holds before it stops and names that session.</summary>
    public static Option<int> LockTimeout() => new("--lock-timeout")
    {
        Description = "How long to wait for a lock another session holds (a migration left in its transaction) before stopping and naming it (seconds, or e.g. 2m)",
        DefaultValueFactory = _ => Defaults.LockTimeoutSeconds,
        // PostgreSQL's lock_timeout is milliseconds in an int: about 24.8 days at most.
        CustomParser = result => Seconds(result, "--lock-timeout", 1, int.MaxValue / 1000),
    };

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
            DatabaseOrEnvironment(parse, Dbname) is not null;
    }

    /// <summary>An enum option that accepts lower-case names and says in one line which values exist.</summary>
    private static Option<T> Choice<T>(string name, string description, T defaultValue, params string[] aliases) where T : struct, Enum
    {
        var names = string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));
        return new Option<T>(name, aliases)
        {
            Description = description,
            HelpName = string.Join('|', Enum.GetNames<T>().Select(n => n.ToLowerInvariant())),
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

    /// <summary>An integer option whose wrong values (not a number, out of range) are one line saying what it takes.</summary>
    private static Option<int> Number(string name, string description, int defaultValue, string takes, int min, int max = int.MaxValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => Whole(result, name, takes, min, max) ?? defaultValue,
    };

    /// <summary>The option's one value as a whole number within [min, max]; otherwise an error saying what it takes.</summary>
    private static int? Whole(ArgumentResult result, string name, string takes, int min, int max)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        result.AddError($"{name} takes {takes}, not '{text}'");
        return null;
    }

    /// <summary>A duration in whole seconds: a plain number is seconds; 30s, 2m, 1h are read as such.</summary>
    private static int Seconds(ArgumentResult result, string name, int min, int max = int.MaxValue)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
        var span = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plain) ? TimeSpan.FromSeconds(plain)
            : text.EndsWith("ago", StringComparison.OrdinalIgnoreCase) ? null : TimeExpression.TryParseSpan(text);
        if (span is { } s && s.TotalSeconds >= min && s.TotalSeconds <= max)
            return (int)Math.Ceiling(s.TotalSeconds);
        var range = max == int.MaxValue ? $"at least {min} s" : $"from {min} s to {Units.Span(TimeSpan.FromSeconds(max))}";
        result.AddError($"{name} takes a duration {range}: seconds (30) or with a unit (30s, 2m), not '{text}'");
        return min;
    }
}
