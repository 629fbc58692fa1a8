using System.Text.Json.Serialization;

namespace Lifeboat.Core.Manifest;

/// <summary>
/// The commit marker of a backup, written last: what was dumped, from which server, with which tool, and the
/// checksum of every file. A backup without a valid manifest does not exist.
/// </summary>
public sealed record BackupManifest
{
    /// <summary>
    /// 2: the archive may be compressed by pg_dump itself (<see cref="PgDumpCompressed"/>). A Lifeboat that reads only 1
    /// would run zstd over such a file and call a good backup damaged; a manifest of version 2 tells it to upgrade instead.
    /// Backups that do not need it are still written as 1, which every Lifeboat reads.
    /// </summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>The version a manifest is written with: the lowest whose readers understand it.</summary>
    public static int FormatVersionFor(bool pgDumpCompressed) => pgDumpCompressed ? 2 : 1;

    public int FormatVersion { get; init; } = 1;
    public required string LifeboatVersion { get; init; }
    public required string Database { get; init; }
    public string? Label { get; init; }
    public required string ServerVersion { get; init; }
    public required string PgDumpVersion { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public double DurationSeconds { get; init; }
    public required BackupFormat Format { get; init; }
    public required Compression Compression { get; init; }

    /// <summary>
    /// pg_dump applied <see cref="Compression"/> itself, inside the custom archive (pg_dump 16 and newer, zstd): the
    /// file is what pg_restore reads as it is. False for older manifests and for compression applied by Lifeboat.
    /// </summary>
    public bool PgDumpCompressed { get; init; }
    public required ManifestFile Archive { get; init; }
    public IReadOnlyList<ManifestFile> Sidecars { get; init; } = [];
    public string? LogFile { get; init; }
    public long DatabaseSizeBytes { get; init; }
    public int TableCount { get; init; }
    public IReadOnlyList<TableRows> Tables { get; init; } = [];

    /// <summary>
    /// "own": each table's own rows (COUNT FROM ONLY; a partitioned table has none). Absent in manifests written before
    /// Lifeboat counted that way, whose counts include partitions and inheritance children: the restore's verification
    /// counts such a backup the same way it was counted.
    /// </summary>
    public RowCounting? RowCounts { get; init; }
    public IReadOnlyList<ExtensionInfo> Extensions { get; init; } = [];
    public MigrationInfo? Migration { get; init; }
    public DatabaseProperties? DatabaseProperties { get; init; }
    public IReadOnlyList<RoleInfo> Roles { get; init; } = [];
    public bool RolePasswordsIncluded { get; init; }
    public VerificationRecord? Verification { get; init; }

    [JsonIgnore]
    public long TotalSizeBytes => Archive.SizeBytes + Sidecars.Sum(s => s.SizeBytes);
    [JsonIgnore]
    public IEnumerable<ManifestFile> AllFiles => Sidecars.Prepend(Archive);

    /// <summary>The sidecar of a kind (the .roles.sql, the .migrations.sql), if the backup has one.</summary>
    public ManifestFile? Sidecar(FileKind kind) => Sidecars.FirstOrDefault(s => s.Kind == kind);

    /// <summary>The major version of the pg_dump that wrote the archive (0 when unknown): restoring it needs a pg_restore at least as new.</summary>
    [JsonIgnore]
    public int PgDumpMajor => Postgres.PgVersion.ParseToolOutput($"(PostgreSQL) {PgDumpVersion}")?.Major ?? 0;
}

/// <summary>A file of the backup with its size and SHA-256 (lower-case hex).</summary>
public sealed record ManifestFile(string Name, long SizeBytes, string Sha256, FileKind Kind);

/// <summary>The exact row count of a table, counted in the dump's snapshot.</summary>
public sealed record TableRows(string Schema, string Name, long Rows)
{
    [JsonIgnore]
    public string QualifiedName => $"{Schema}.{Name}";
}

public sealed record ExtensionInfo(string Name, string Version, string Schema);

/// <summary>Which migration tool's table was found, and the version it records.</summary>
public sealed record MigrationInfo(string Tool, string Table, string? Version);

/// <summary>The result of the latest `lifeboat verify`, recorded in the manifest.</summary>
public sealed record VerificationRecord(bool Passed, DateTimeOffset At, bool Deep, string Summary);

/// <summary>What pg_dump leaves out without --create: the database's own properties.</summary>
public sealed record DatabaseProperties
{
    public required string Owner { get; init; }
    public string Encoding { get; init; } = "UTF8";
    public string? Collate { get; init; }
    public string? Ctype { get; init; }
    public string? Comment { get; init; }
    public int ConnectionLimit { get; init; } = -1;
    /// <summary>ALTER DATABASE … SET entries, as "name=value".</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];
    public IReadOnlyList<RoleSettings> RoleSettings { get; init; } = [];
    /// <summary>Null when the database has default privileges.</summary>
    public IReadOnlyList<DatabaseGrant>? Grants { get; init; }
}

/// <summary>ALTER ROLE … IN DATABASE … SET entries of one role.</summary>
public sealed record RoleSettings(string Role, IReadOnlyList<string> Settings);

/// <summary>One privilege on the database; Grantee "PUBLIC" for everyone.</summary>
public sealed record DatabaseGrant(string Grantee, string Privilege, bool Grantable);

/// <summary>A role that objects, privileges or settings of the database name.</summary>
public sealed record RoleInfo(string Name, bool CanLogin, bool Superuser, IReadOnlyList<string> MemberOf);
