using System.Text.Json;
using System.Text.Json.Serialization;
using Lifeboat.Core.Manifest;

namespace Lifeboat.Cli.Commands;

/// <summary>One backup in `lifeboat list --json`.</summary>
public sealed record ListEntryJson(string Path, string Stem, string Database, string State, DateTimeOffset CreatedAt, long SizeBytes,
    string? Sha256, string? Format, string? Compression, string? Label, string? MigrationVersion, int? TableCount,
    VerificationRecord? Verified, IReadOnlyList<string> Files);

/// <summary>`lifeboat status --json`.</summary>
public sealed record StatusJson(string Database, long? SizeBytes, string? MigrationVersion, string? ServerProblem, NewestBackupJson? NewestBackup,
    int BackupCount, long BackupBytes, int IncompleteCount, long FreeBytes, VerificationRecord? NewestVerification);

public sealed record NewestBackupJson(string Path, DateTimeOffset CreatedAt, long AgeSeconds);

/// <summary>
/// The JSON that commands print for scripts: camelCase, as the manifests. Generated at build time, as all of lifeboat's
/// JSON is, so that the tool compiles ahead of time (Native AOT) without reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(List<ListEntryJson>), TypeInfoPropertyName = "ListEntryJsonArray")]
[JsonSerializable(typeof(StatusJson))]
internal sealed partial class CliJson : JsonSerializerContext;
