namespace Lifeboat.Core.Errors;

/// <summary>The few, stable exit codes of every lifeboat command (documented in the README).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Something failed (the message says what); also `check`'s warning.</summary>
    public const int Failure = 1;
    /// <summary>Bad command-line usage or option value; also `check`'s critical.</summary>
    public const int Usage = 2;
    /// <summary>Could not connect or authenticate to PostgreSQL.</summary>
    public const int Connection = 3;
    /// <summary>A PostgreSQL tool (pg_dump, pg_restore, psql) is missing, too old, or failed.</summary>
    public const int Tool = 4;
    /// <summary>A backup is corrupt, incomplete, or failed verification.</summary>
    public const int Integrity = 5;
    /// <summary>Another lifeboat run holds the lock.</summary>
    public const int Busy = 6;
    /// <summary>Not enough disk space, or the disk filled up.</summary>
    public const int DiskFull = 7;
    /// <summary>Interrupted by Ctrl-C (SIGINT).</summary>
    public const int Cancelled = 130;
    /// <summary>The terminal was closed (SIGHUP); cleaned up as after Ctrl-C.</summary>
    public const int HungUp = 129;
    /// <summary>Stopped by SIGTERM; cleaned up as after Ctrl-C.</summary>
    public const int Terminated = 143;
}
