using System.Text.Json;
using System.Text.Json.Serialization;
using Lifeboat.Core.Catalog;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Monitoring;
using Lifeboat.Core.Restore;
using Lifeboat.Core.Retention;
using Lifeboat.Core.Staging;
using Lifeboat.Core.Verification;

namespace Lifeboat.Cli.Output;

/// <summary>One backup in `lifeboat list --json`.</summary>
public sealed record ListEntryJson(string Path, string Stem, string Database, string State, DateTimeOffset CreatedAt, long SizeBytes,
    string? Sha256, BackupFormat? Format, Compression? Compression, string? Label, string? MigrationVersion, int? TableCount,
    VerificationRecord? Verified, IReadOnlyList<string> Files)
{
    public static ListEntryJson From(ListedBackup b)
    {
        var (e, m) = (b.Entry, b.Entry.Manifest);
        return new ListEntryJson(b.Path, e.Stem, e.Database, e.State.ToString().ToLowerInvariant(), e.CreatedAt, b.SizeBytes, m?.Archive.Sha256,
            m?.Format, m?.Compression, m?.Label, m?.Migration?.Version, m?.TableCount, m?.Verification, e.Files);
    }
}

/// <summary>`lifeboat status --json`.</summary>
public sealed record StatusJson(string Database, long? SizeBytes, string? MigrationVersion, string? ServerProblem, NewestBackupJson? NewestBackup,
    int BackupCount, long BackupBytes, int IncompleteCount, long FreeBytes, VerificationRecord? NewestVerification)
{
    public static StatusJson From(DatabaseStatus s, DateTimeOffset now) => new(s.Database, s.SizeBytes, s.MigrationVersion, s.ServerProblem,
        s.NewestBackup is { } n ? new NewestBackupJson(s.NewestBackupPath!, n.CreatedAt, (long)(now - n.CreatedAt).TotalSeconds) : null,
        s.BackupCount, s.BackupBytes, s.IncompleteCount, s.FreeBytes ?? -1, s.NewestVerified?.Manifest?.Verification);
}

public sealed record NewestBackupJson(string Path, DateTimeOffset CreatedAt, long AgeSeconds);

/// <summary>
/// `lifeboat restore --json`. <see cref="RolesWithPasswords"/>: the created roles whose saved password was restored (the others have none yet).
/// <see cref="AnalyzeSeconds"/>: how long the analyze before the swap took; null when --no-analyze skipped it.
/// </summary>
public sealed record RestoreJson(string Database, string Backup, double DurationSeconds, int Tables, long Rows, string? MigrationVersion,
    string? SafetyBackup, string? KeptOldDatabase, IReadOnlyList<string> CreatedRoles, IReadOnlyList<string> RolesWithPasswords, int EndedSessions,
    IReadOnlyList<string> Warnings, string? Log, double? AnalyzeSeconds)
{
    public static RestoreJson From(RestoreResult r) => new(r.Database, r.BackupName, Math.Round(r.Duration.TotalSeconds, 3), r.Tables, r.Rows,
        r.MigrationVersion, r.SafetyBackup, r.KeptOldDatabase, r.CreatedRoles, r.RolesWithPasswords, r.EndedSessions, r.Warnings, r.LogPath,
        r.Analyzed is { } a ? Math.Round(a.Duration.TotalSeconds, 3) : null);
}

/// <summary>`lifeboat verify --json`.</summary>
public sealed record VerifyJson(bool Passed, int Verified, int Failed, IReadOnlyList<VerifyResult> Backups)
{
    public static VerifyJson From(VerifyReport r) => new(r.Passed, r.Results.Count - r.Failed, r.Failed, r.Results);
}

/// <summary>`lifeboat prune --json`.</summary>
public sealed record PruneJson(string BackupDir, bool DryRun, int RetentionDays, int KeepLast, IReadOnlyList<PruneDatabaseJson> Databases)
{
    public static PruneJson From(PruneResult r) => new(r.Location, r.DryRun, r.Policy.RetentionDays, r.Policy.KeepLast,
        r.Databases.Select(d => new PruneDatabaseJson(d.Database, d.Plan.Cutoff,
            d.Plan.Delete.Select(e => new PrunedBackupJson(e.Stem, e.State.ToString().ToLowerInvariant(), e.CreatedAt, e.Files)).ToList(),
            d.Plan.Keep.Count(e => e.IsComplete), d.DeletedFiles, d.Problem)).ToList());
}

public sealed record PruneDatabaseJson(string Database, DateTimeOffset Cutoff, IReadOnlyList<PrunedBackupJson> Delete, int CompleteKept,
    IReadOnlyList<string> DeletedFiles, string? Problem);

public sealed record PrunedBackupJson(string Stem, string State, DateTimeOffset CreatedAt, IReadOnlyList<string> Files);

/// <summary>`lifeboat check --json`: the Nagios verdict.</summary>
public sealed record CheckJson(int ExitCode, string Status, string Line)
{
    public static CheckJson From(HealthVerdict v) => new(v.ExitCode, v.ExitCode switch { HealthCheck.Ok => "ok", HealthCheck.Warning => "warning", _ => "critical" }, v.Line);
}

/// <summary>`lifeboat cleanup --json`.</summary>
public sealed record CleanupJson(bool DryRun, IReadOnlyList<CleanupItem> Items);

/// <summary>
/// The JSON that commands print for scripts: camelCase, as the manifests. Generated at build time, as all of lifeboat's
/// JSON is, so that the tool compiles ahead of time (Native AOT) without reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(List<ListEntryJson>), TypeInfoPropertyName = "ListEntryJsonArray")]
[JsonSerializable(typeof(StatusJson))]
[JsonSerializable(typeof(RestoreJson))]
[JsonSerializable(typeof(VerifyJson))]
[JsonSerializable(typeof(PruneJson))]
[JsonSerializable(typeof(CheckJson))]
[JsonSerializable(typeof(CleanupJson))]
internal sealed partial class CliJson : JsonSerializerContext;
