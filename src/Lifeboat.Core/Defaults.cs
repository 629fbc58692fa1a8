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

    /// <summary>pg_restore jobs (and verification connections): one per core.</summary>
    public static int Jobs => Environment.ProcessorCount;

    public static TimeSpan SwapTimeout => TimeSpan.FromSeconds(SwapTimeoutSeconds);
}
