using System.Globalization;
using System.Text.RegularExpressions;

namespace Lifeboat.Core.Postgres;

/// <summary>A PostgreSQL version as tools and servers report it ("pg_dump (PostgreSQL) 15.18 (Debian …)", "150018").</summary>
public sealed partial record PgVersion(int Major, int Minor)
{
    public override string ToString() => $"{Major}.{Minor}";

    public static PgVersion? ParseToolOutput(string text)
    {
        var match = ToolVersion().Match(text);
        if (!match.Success)
            return null;
        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return new PgVersion(major, minor);
    }

    /// <summary>From server_version_num: 150018 → 15.18 (10 and later).</summary>
    public static PgVersion FromServerVersionNum(int num) => new(num / 10000, num % 10000);

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")]
    private static partial Regex ToolVersion();
}
