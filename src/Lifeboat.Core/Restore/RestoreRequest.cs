using Lifeboat.Core.Postgres;

namespace Lifeboat.Core.Restore;

/// <summary>Everything `lifeboat restore` was asked to do. <see cref="Connection"/>'s database is the one backed up and, by default, the target.</summary>
public sealed record RestoreRequest(ConnectionSettings Connection, string BackupDirectory, BackupChoice Choice)
{
    public string? TargetDatabase { get; init; }
    public string MaintenanceDatabase { get; init; } = "postgres";
    public bool NoOwner { get; init; }
    public bool NoPrivileges { get; init; }
    public bool CreateRoles { get; init; }
    public int Jobs { get; init; } = Environment.ProcessorCount;
    public bool SafetyBackup { get; init; } = true;
    public bool KeepOld { get; init; }
    public string? PgBin { get; init; }
    /// <summary>How long the swap may take before it rolls back (blocking connections, ending sessions, renaming).</summary>
    public TimeSpan SwapTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string Target => TargetDatabase ?? Connection.Database;
}

/// <summary>Which backup: a file (path or name in the folder), the latest, or the newest at or before a time.</summary>
public sealed record BackupChoice(string? File = null, bool Latest = false, DateTimeOffset? At = null)
{
    public bool IsEmpty => File is null && !Latest && At is null;
}

/// <summary>What a finished restore did.</summary>
public sealed record RestoreResult(string Database, string BackupName, TimeSpan Duration, int Tables, long Rows, string? MigrationVersion,
    string? KeptOldDatabase, string? SafetyBackup, IReadOnlyList<string> CreatedRoles, IReadOnlyList<string> Warnings, string? LogPath);

/// <summary>What the user is asked to confirm before an existing database is replaced.</summary>
public sealed record RestoreSummary(string Target, bool TargetExists, long? TargetSizeBytes, string? TargetMigrationVersion,
    string BackupName, DateTimeOffset BackupTakenAt, long BackupSizeBytes, string? BackupMigrationVersion, string? Label)
{
    /// <summary>Whether the current database is backed up before it is replaced (not with --no-safety-backup).</summary>
    public bool SafetyBackup { get; init; } = true;

    /// <summary>The backup's last verification, as `lifeboat list` shows it; null when never verified.</summary>
    public Manifest.VerificationRecord? LastVerification { get; init; }
}

/// <summary>Asks before replacing a database; the CLI answers from --force or a prompt.</summary>
public interface IRestoreConfirmation
{
    /// <summary>True to go on. Throws when it cannot ask (no terminal, no --force).</summary>
    bool Confirm(RestoreSummary summary);
}
