using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Lifeboat.Core.Staging;

/// <summary>
/// The name of a scratch database: "&lt;database&gt;__lifeboat[_verify]_&lt;UTC yyyyMMddHHmmss&gt;_&lt;host&gt;_&lt;pid&gt;", the database's
/// name shortened to fit PostgreSQL's 63 bytes. The host (4 hex digits of a hash of the machine's name) and process id
/// say which run made it, so that a later run can tell a dead run's leftover from a live one.
/// </summary>
public sealed partial record StagingName(string DatabasePrefix, StagingKind Kind, DateTimeOffset CreatedAt, string Host, int ProcessId)
{
    private const int MaxBytes = 63; // NAMEDATALEN - 1

    /// <summary>This run's name for a scratch database of <paramref name="database"/>.</summary>
    public static StagingName Create(string database, StagingKind kind, DateTimeOffset now) =>
        Create(database, kind, now, Environment.MachineName, Environment.ProcessId);

    public static StagingName Create(string database, StagingKind kind, DateTimeOffset now, string machineName, int processId)
    {
        var at = now.ToUniversalTime();
        at = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, at.Second, TimeSpan.Zero);
        var name = new StagingName("", kind, at, HostTag(machineName), processId);
        return name with { DatabasePrefix = Shorten(database, MaxBytes - Encoding.UTF8.GetByteCount(name.Suffix)) };
    }

    /// <summary>Which database's scratch databases start with this prefix (the name shortened as <see cref="Create(string, StagingKind, DateTimeOffset)"/> does).</summary>
    public bool IsFor(string database) => DatabasePrefix == Shorten(database, MaxBytes - Encoding.UTF8.GetByteCount(Suffix));

    /// <summary>Whether this machine made it.</summary>
    public bool IsFromThisHost => Host == HostTag(Environment.MachineName);

    private string Suffix => $"__lifeboat_{(Kind == StagingKind.Verify ? "verify_" : "")}{CreatedAt.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}_{Host}_{ProcessId.ToString(CultureInfo.InvariantCulture)}";

    public override string ToString() => DatabasePrefix + Suffix;

    /// <summary>The parts of a scratch database's name; null for any other name.</summary>
    public static StagingName? TryParse(string name)
    {
        var match = Pattern().Match(name);
        if (!match.Success || !int.TryParse(match.Groups["pid"].Value, CultureInfo.InvariantCulture, out var pid))
            return null;
        if (!DateTime.TryParseExact(match.Groups["stamp"].Value, "yyyyMMddHHmmss", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return null;
        var kind = match.Groups["verify"].Success ? StagingKind.Verify : StagingKind.Restore;
        return new StagingName(match.Groups["db"].Value, kind, new DateTimeOffset(at, TimeSpan.Zero), match.Groups["host"].Value, pid);
    }

    private static string HostTag(string machineName) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(machineName.ToLowerInvariant())))[..4];

    /// <summary>The longest start of <paramref name="text"/> that fits <paramref name="maxBytes"/> UTF-8 bytes, never half a character.</summary>
    internal static string Shorten(string text, int maxBytes)
    {
        var prefix = text;
        while (Encoding.UTF8.GetByteCount(prefix) > maxBytes)
            prefix = prefix[..^(char.IsLowSurrogate(prefix[^1]) && prefix.Length > 1 ? 2 : 1)];
        return prefix;
    }

    [GeneratedRegex(@"^(?<db>.*)__lifeboat_(?<verify>verify_)?(?<stamp>\d{14})_(?<host>[0-9a-f]{4})_(?<pid>\d{1,10})\z", RegexOptions.Singleline)]
    private static partial Regex Pattern();
}

/// <summary>What a scratch database is for: a restore's staging database (swapped in when verified), or a deep verification's.</summary>
public enum StagingKind { Restore, Verify }
