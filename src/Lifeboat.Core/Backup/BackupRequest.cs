using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Retention;

namespace Lifeboat.Core.Backup;

/// <summary>Everything `lifeboat backup` was asked to do.</summary>
public sealed record BackupRequest(ConnectionSettings Connection, string BackupDirectory)
{
    public BackupFormat Format { get; init; } = Defaults.Format;
    public Compression Compression { get; init; } = Defaults.Compression;
    public string? Label { get; init; }
    public bool UtcNames { get; init; }
    public RetentionPolicy Retention { get; init; } = RetentionPolicy.Default;
    public bool Prune { get; init; } = true;
    public string? PgBin { get; init; }
    public bool IncludeRolePasswords { get; init; }

    /// <summary>How long a wait for another session's lock may last (pg_dump's and ours) before the backup stops and names that session.</summary>
    public TimeSpan LockTimeout { get; init; } = Defaults.LockTimeout;
}

/// <summary>What a finished backup produced: its manifest, where its files are, what rotation deleted, and warnings.</summary>
public sealed record BackupResult(BackupManifest Manifest, string ArchivePath, string ManifestPath, IReadOnlyList<string> Pruned, IReadOnlyList<string> Warnings);
