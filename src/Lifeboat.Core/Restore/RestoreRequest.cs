using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Postgres;

namespace Lifeboat.Core.Restore;

/// <summary>Everything `lifeboat restore` was asked to do. <see cref="Connection"/>'s database is the one backed up and, by default, the target.</summary>
public sealed record RestoreRequest(ConnectionSettings Connection, string BackupDirectory, BackupChoice Choice)
{
    public string? TargetDatabase { get; init; }
    public string MaintenanceDatabase { get; init; } = Defaults.MaintenanceDatabase;
    public bool NoOwner { get; init; }
    public bool NoPrivileges { get; init; }
    public bool CreateRoles { get; init; }
    /// <summary>The database the staging database is a copy of (--template): template0, or one a superuser gave the backup's untrusted extensions.</summary>
    public string Template { get; init; } = Staging.RestorePermissions.DefaultTemplate;
    public int Jobs { get; init; } = Defaults.Jobs;
    public bool SafetyBackup { get; init; } = true;
    /// <summary>Whether the staging database is analyzed before the swap (not with --no-analyze).</summary>
    public bool Analyze { get; init; } = true;
    public bool KeepOld { get; init; }
    public string? PgBin { get; init; }
    /// <summary>How long the swap may take before it rolls back (blocking connections, ending sessions, renaming).</summary>
    public TimeSpan SwapTimeout { get; init; } = Defaults.SwapTimeout;

    public string Target => TargetDatabase ?? Connection.Database;
}

/// <summary>Which backup: a file (path or name in the folder), the latest, the newest at or before a time, or (all empty) one picked from a list.</summary>
public sealed record BackupChoice(string? File = null, bool Latest = false, DateTimeOffset? At = null)
{
    public bool IsEmpty => File is null && !Latest && At is null;

    /// <summary>The choice from --file, --latest and --at, of which at most one may be given.</summary>
    public static BackupChoice From(string? file, bool latest, string? at, DateTimeOffset now)
    {
        var given = new[] { file is not null ? "--file" : null, latest ? "--latest" : null, at is not null ? "--at" : null }.OfType<string>().ToList();
        if (given.Count > 1)
            throw new LifeboatException($"unable to choose the backup: {string.Join(" and ", given)} were both given",
                "give one of --file, --latest and --at (or none, to pick from a list)", ExitCodes.Usage);
        return new BackupChoice(file, latest, at is null ? null : TimeExpression.Parse(at, now));
    }

    /// <summary>
    /// The database a restore is about when no -d (nor PGDATABASE) was given: with --file, the one the backup was taken
    /// of (its name says), not the user's name; null when that cannot be told.
    /// </summary>
    public string? DatabaseFromFile() => File is null ? null : BackupNaming.ParseUserGiven(Path.GetFileName(File))?.Database;
}

/// <summary>What a finished restore did.</summary>
/// <param name="SafetyBackup">The path of the safety backup's archive, taken only when an existing database was replaced.</param>
/// <param name="CreatedRoles">Roles --create-roles created; those in <paramref name="RolesWithPasswords"/> got their saved password hash.</param>
/// <param name="EndedSessions">Sessions on the replaced database that the swap ended (0 when none, or nothing was replaced).</param>
public sealed record RestoreResult(string Database, string BackupName, TimeSpan Duration, int Tables, long Rows, string? MigrationVersion,
    string? KeptOldDatabase, string? SafetyBackup, IReadOnlyList<string> CreatedRoles, IReadOnlyList<string> Warnings, string? LogPath)
{
    public IReadOnlyList<string> RolesWithPasswords { get; init; } = [];
    public int EndedSessions { get; init; }
    /// <summary>The analyze of the restored database before the swap; null when it was skipped (--no-analyze).</summary>
    public AnalyzeOutcome? Analyzed { get; init; }
}

/// <summary>How long vacuumdb --analyze-only took over how many jobs.</summary>
public sealed record AnalyzeOutcome(TimeSpan Duration, int Jobs);

/// <summary>What the user is asked to confirm before an existing database is replaced.</summary>
public sealed record RestoreSummary(string Target, bool TargetExists, long? TargetSizeBytes, string? TargetMigrationVersion,
    string BackupName, DateTimeOffset BackupTakenAt, long BackupSizeBytes, string? BackupMigrationVersion, string? Label)
{
    /// <summary>Whether the current database is backed up before it is replaced (not with --no-safety-backup).</summary>
    public bool SafetyBackup { get; init; } = true;

    /// <summary>The backup's last verification, as `lifeboat list` shows it; null when never verified.</summary>
    public Manifest.VerificationRecord? LastVerification { get; init; }
}

/// <summary>The questions a restore may ask the person at the terminal; the CLI answers them (or refuses without a terminal).</summary>
public interface IRestorePrompts
{
    /// <summary>True to go on replacing an existing database. Throws when it cannot ask (no terminal, no --force), or when <paramref name="ct"/> is cancelled while it waits.</summary>
    Task<bool> ConfirmAsync(RestoreSummary summary, CancellationToken ct);

    /// <summary>Picks one of a database's complete backups, newest first. Throws when it cannot ask, when the person cancels, or when <paramref name="ct"/> is cancelled.</summary>
    Task<CatalogEntry> PickAsync(IReadOnlyList<CatalogEntry> backups, CancellationToken ct);
}
