using System.Text.RegularExpressions;

namespace Lifeboat.Core.Staging;

/// <summary>
/// pg_restore exits 1 on "errors ignored on restore" even when each was harmless, and psql can exit 0 after
/// errors: neither exit code is trusted alone. Each reported error is classified; known noise is a warning.
/// </summary>
public static partial class RestoreErrorClassifier
{
    // Noise seen in practice: COMMENT ON EXTENSION as a non-superuser (odoo #31115), roles or the public schema
    // that already exist (the seed's "role already exists"), PostGIS objects its extension script created.
    private static readonly Regex[] Harmless =
    [
        HarmlessPattern(@"must be owner of extension"),
        HarmlessPattern(@"role "".*"" already exists"),
        HarmlessPattern(@"schema ""public"" already exists"),
        HarmlessPattern(@"extension "".*"" already exists"),
    ];

    public static (IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings) Classify(string stderr)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        foreach (var line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.Contains("ERROR:", StringComparison.Ordinal) && !line.Contains("error:", StringComparison.Ordinal) && !line.StartsWith("FATAL", StringComparison.Ordinal) && !line.Contains("FATAL:", StringComparison.Ordinal))
                continue;
            if (line.Contains("errors ignored on restore", StringComparison.Ordinal))
                continue;
            if (Harmless.Any(h => h.IsMatch(line)))
                warnings.Add(line);
            else
                errors.Add(line);
        }
        return (errors, warnings);
    }

    private static Regex HarmlessPattern(string pattern) => new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
