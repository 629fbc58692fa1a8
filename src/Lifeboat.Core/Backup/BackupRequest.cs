using Lifeboat.Core.Postgres;
using Lifeboat.Core.Retention;

namespace Lifeboat.Core.Backup;

/// <summary>Everything `lifeboat backup` was asked to do.</summary>
public sealed record BackupRequest(ConnectionSettings Connection, string BackupDirectory)
{
    public BackupFormat Format { get; init; } = BackupFormat.Custom;
    public Compression Compression { get; init; } = Compression.Zstd;
    public string? Label { get; init; }
    public bool UtcNames { get; init; }
    public RetentionPolicy Retention { get; init; } = RetentionPolicy.Default;
    public bool Prune { get; init; } = true;
    public string? PgBin { get; init; }
    public bool IncludeRolePasswords { get; init; }
}

/// <summary>What a finished backup produced.</summary>
public sealed record BackupResult(Manifest.BackupManifest Manifest, string ArchivePath, string ManifestPath, IReadOnlyList<string> Pruned);

/// <summary>Progress of a running backup: the phase, and bytes written so far.</summary>
public sealed record BackupProgress(string Phase, long BytesWritten);
