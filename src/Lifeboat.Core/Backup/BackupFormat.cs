namespace Lifeboat.Core.Backup;

/// <summary>pg_dump's output format: custom (restorable in parallel) or plain SQL (the seed's).</summary>
public enum BackupFormat { Custom, Plain }

/// <summary>How the dump is compressed on its way to disk.</summary>
public enum Compression { Zstd, Gzip, None }
