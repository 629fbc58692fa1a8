using Lifeboat.Core.Manifest;

namespace Lifeboat.Core;

/// <summary>Every default of every setting, in one place: the option descriptions, the request records and (next) the configuration file read them from here.</summary>
public static class Defaults
{
    public const string BackupDirectory = "./backups";
    public const BackupFormat Format = BackupFormat.Custom;
    public const Compression Compression = Manifest.Compression.Zstd;
    public const int RetentionDays = 7;
    public const int KeepLast = 3;
    public const string MaintenanceDatabase = "postgres";
    public const int SwapTimeoutSeconds = 30;
    public const string MaxAge = "26h";

    /// <summary>
    /// How long a backup waits for a lock another session holds (a migration still in its transaction) before it gives
    /// up naming that session: long enough for a short transaction to end, short enough that a stuck one is reported.
    /// </summary>
    public const int LockTimeoutSeconds = 30;

    /// <summary>pg_restore jobs (and verification connections): one per core.</summary>
    public static int Jobs => Environment.ProcessorCount;

    public static TimeSpan SwapTimeout => TimeSpan.FromSeconds(SwapTimeoutSeconds);

    public static TimeSpan LockTimeout => TimeSpan.FromSeconds(LockTimeoutSeconds);
}
