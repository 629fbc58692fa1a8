using System.Globalization;
using System.Text.RegularExpressions;

namespace Lifeboat.Core.Backup;

/// <summary>The seed's names: &lt;db&gt;_backup_&lt;yyyyMMdd&gt;_&lt;HHmmss&gt; plus the format's extension, and sidecars on the same stem.</summary>
public static partial class BackupNaming
{
    public const string ManifestExtension = ".json";
    public const string LogExtension = ".log";
    public const string RestoreLogExtension = ".restore.log";
    public const string MigrationsExtension = ".migrations.sql";
    public const string RolesExtension = ".roles.sql";
    public const string PartialSuffix = ".partial";

    public static string Stem(string database, DateTimeOffset at) =>
        $"{database}_backup_{at.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture)}";

    public static string ArchiveExtension(BackupFormat format, Compression compression) => (format, compression) switch
    {
        (BackupFormat.Custom, Compression.Zstd) => ".dump.zst",
        (BackupFormat.Custom, _) => ".dump",
        (BackupFormat.Plain, Compression.Zstd) => ".sql.zst",
        (BackupFormat.Plain, Compression.Gzip) => ".sql.gz",
        (BackupFormat.Plain, _) => ".sql",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>A name given by a user: a file of the backup, or its bare stem.</summary>
    public static ParsedName? ParseUserGiven(string name) => Parse(name) ?? Parse(name + ManifestExtension);

    /// <summary>Splits a file name of ours into database, timestamp and the rest (".dump.zst", ".json", …); null for anything else.</summary>
    public static ParsedName? Parse(string fileName)
    {
        var match = NamePattern().Match(fileName);
        if (!match.Success)
            return null;
        if (!DateTime.TryParseExact(match.Groups["ts"].Value, "yyyyMMdd_HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            return null;
        return new ParsedName(match.Groups["db"].Value, at, match.Groups["stem"].Value, match.Groups["rest"].Value);
    }

    [GeneratedRegex(@"^(?<stem>(?<db>[^.].*)_backup_(?<ts>\d{8}_\d{6}))(?<rest>\..+)$")]
    private static partial Regex NamePattern();
}

/// <summary>A backup file name taken apart; Timestamp is as written in the name (local or UTC).</summary>
public sealed record ParsedName(string Database, DateTime Timestamp, string Stem, string Extension);
