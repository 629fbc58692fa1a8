using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Catalog;

/// <summary>
/// The seed's names: &lt;db&gt;_backup_&lt;yyyyMMdd&gt;_&lt;HHmmss&gt; plus the format's extension, and sidecars on the same stem.
/// A database name goes into file names encoded (see <see cref="EncodeDatabase"/>), so that every file stays inside its folder.
/// </summary>
public static partial class BackupNaming
{
    public const string ManifestExtension = ".json";
    public const string LogExtension = ".log";
    public const string RestoreLogExtension = ".restore.log";
    public const string MigrationsExtension = ".migrations.sql";
    public const string RolesExtension = ".roles.sql";
    public const string PartialSuffix = PendingFile.PartialSuffix;

    /// <summary>Every archive extension, for each format and compression.</summary>
    public static readonly IReadOnlyList<string> ArchiveExtensions = [".dump.zst", ".dump", ".sql.zst", ".sql.gz", ".sql"];

    public static string Stem(string database, DateTimeOffset at) =>
        $"{EncodeDatabase(database)}_backup_{at.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture)}";

    /// <summary>The prefix every file of a database's backups starts with.</summary>
    public static string Prefix(string database) => EncodeDatabase(database) + "_backup_";

    /// <summary>
    /// The prefixes a database's backups may have: <see cref="Prefix"/>, and the name as it was before names were encoded
    /// (lifeboat 0.1 wrote "a:b_backup_…" for database a:b), when that is a different, valid file name.
    /// </summary>
    public static IEnumerable<string> Prefixes(string database)
    {
        yield return Prefix(database);
        var raw = database + "_backup_";
        if (raw != Prefix(database) && !database.StartsWith('.') && database.IndexOfAny(['/', '\\']) < 0)
            yield return raw;
    }

    /// <summary>The lock file of a database's runs in a folder.</summary>
    public static string LockName(string database) => $".{EncodeDatabase(database)}.lock";

    public static string ArchiveExtension(BackupFormat format, Compression compression, bool pgDumpCompressed = false) => (format, compression) switch
    {
        (BackupFormat.Custom, _) when pgDumpCompressed => ".dump", // a custom archive pg_restore reads as it is
        (BackupFormat.Custom, Compression.Zstd) => ".dump.zst",
        (BackupFormat.Custom, _) => ".dump",
        (BackupFormat.Plain, Compression.Zstd) => ".sql.zst",
        (BackupFormat.Plain, Compression.Gzip) => ".sql.gz",
        (BackupFormat.Plain, _) => ".sql",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>True for the files a backup's manifest commits: its archive and sidecars (not the manifest, nor logs).</summary>
    public static bool IsArchiveOrSidecar(string extension) =>
        ArchiveExtensions.Contains(extension) || extension is MigrationsExtension or RolesExtension;

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
        // A name that is not an encoding was written before names were encoded (lifeboat 0.1: "50%_backup_…"): as it is.
        var database = DecodeDatabase(match.Groups["db"].Value) ?? match.Groups["db"].Value;
        return new ParsedName(database, at, match.Groups["stem"].Value, match.Groups["rest"].Value);
    }

    /// <summary>
    /// A database name as it appears in file names. PostgreSQL allows any character in a name, among them '/', '\' and a
    /// leading '.', which would put files outside the folder or hide them: those, the characters Windows forbids, control
    /// characters and '%' itself are written as %XX (their ASCII code in upper-case hex). An ordinary name is unchanged.
    /// </summary>
    public static string EncodeDatabase(string database)
    {
        var encoded = new StringBuilder(database.Length);
        for (var i = 0; i < database.Length; i++)
        {
            var c = database[i];
            if (c is '/' or '\\' or '%' or ':' or '*' or '?' or '"' or '<' or '>' or '|' || (c < ' ' || c == '\x7f') || (i == 0 && c == '.'))
                encoded.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else
                encoded.Append(c);
        }
        return encoded.ToString();
    }

    /// <summary>The database name back from <see cref="EncodeDatabase"/>; null when the text is not such an encoding.</summary>
    public static string? DecodeDatabase(string encoded)
    {
        if (!encoded.Contains('%'))
            return encoded;
        var decoded = new StringBuilder(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] != '%')
            {
                decoded.Append(encoded[i]);
                continue;
            }
            if (i + 2 >= encoded.Length || !byte.TryParse(encoded.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b) || b >= 0x80)
                return null;
            decoded.Append((char)b);
            i += 2;
        }
        var name = decoded.ToString();
        return EncodeDatabase(name) == encoded ? name : null; // one spelling per name
    }

    [GeneratedRegex(@"^(?<stem>(?<db>[^.].*)_backup_(?<ts>\d{8}_\d{6}))(?<rest>\..+)\z", RegexOptions.Singleline)]
    private static partial Regex NamePattern();
}

/// <summary>A backup file name taken apart; Timestamp is as written in the name (local or UTC).</summary>
public sealed record ParsedName(string Database, DateTime Timestamp, string Stem, string Extension);
