namespace Lifeboat.Core.Reporting;

/// <summary>
/// What a running backup, restore or verification tells whoever watches it (the CLI's display today; the daemon,
/// the dashboard and the metrics next), through <see cref="IProgress{T}"/>.
/// </summary>
public abstract record OperationEvent;

/// <summary>A step of the operation began; <paramref name="Message"/> says it in words.</summary>
public sealed record StepStarted(Step Step, string Message) : OperationEvent;

/// <summary>Bytes of the archive written to the store so far.</summary>
public sealed record BytesWritten(long Bytes) : OperationEvent;

/// <summary>Something the user should hear about that does not fail the operation.</summary>
public sealed record WarningRaised(string Message) : OperationEvent;

/// <summary>The steps of lifeboat's operations.</summary>
public enum Step
{
    /// <summary>Checking a backup's files, the server, the tools.</summary>
    Checking,
    /// <summary>pg_dump is running and the archive is being written.</summary>
    Dumping,
    /// <summary>Writing the decompressed copy pg_restore --jobs needs.</summary>
    Decompressing,
    /// <summary>Loading the archive into a scratch database.</summary>
    Loading,
    /// <summary>Comparing a loaded database with its manifest.</summary>
    Verifying,
    /// <summary>Gathering optimizer statistics for a restored database (vacuumdb --analyze-only).</summary>
    Analyzing,
    /// <summary>Backing up the database a restore is about to replace.</summary>
    SafetyBackup,
    /// <summary>Putting the restored database in place of the target.</summary>
    Swapping,
    /// <summary>Running the user's command against a scratch database (verify --run).</summary>
    RunningCommand,
    /// <summary>Deleting old backups by the retention policy.</summary>
    Rotating,
}
