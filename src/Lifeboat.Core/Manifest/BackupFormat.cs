using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lifeboat.Core.Manifest;

/// <summary>pg_dump's output format: custom (restorable in parallel) or plain SQL (the seed's).</summary>
[JsonConverter(typeof(LowerCaseEnumConverter<BackupFormat>))]
public enum BackupFormat { Custom, Plain }

/// <summary>How the dump is compressed on its way to the store.</summary>
[JsonConverter(typeof(LowerCaseEnumConverter<Compression>))]
public enum Compression { Zstd, Gzip, None }

/// <summary>What a file of a backup holds.</summary>
[JsonConverter(typeof(LowerCaseEnumConverter<FileKind>))]
public enum FileKind { Archive, Migrations, Roles }

/// <summary>How the manifest's row counts were counted.</summary>
[JsonConverter(typeof(LowerCaseEnumConverter<RowCounting>))]
public enum RowCounting
{
    /// <summary>Each table's own rows (COUNT FROM ONLY; a partitioned table has none): what the archive holds for it.</summary>
    Own,
}

/// <summary>Enums as the lower-case words the manifest has always used ("custom", "zstd", "roles").</summary>
public sealed class LowerCaseEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.CamelCase, allowIntegerValues: false) where T : struct, Enum;
