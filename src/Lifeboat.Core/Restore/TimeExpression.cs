using System.Globalization;
using System.Text.RegularExpressions;
using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Restore;

/// <summary>Parses --at: "2025-10-24 22:00", ISO 8601 (with or without offset; local time without), or "30m", "2h", "3d", "1w" ago.</summary>
public static partial class TimeExpression
{
    public static DateTimeOffset Parse(string text, DateTimeOffset now)
    {
        var trimmed = text.Trim();
        if (TryParseSpan(trimmed) is { } span)
            return now - span;
        string[] formats = ["yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyyMMdd_HHmmss"];
        if (DateTime.TryParseExact(trimmed, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local))
            return new DateTimeOffset(local);
        if (DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var iso))
            return iso;
        throw new LifeboatException($"unable to read --at '{text}': not a time",
            "use '2025-10-24 22:00', ISO 8601 such as 2025-10-24T22:00:00+02:00, or a relative time such as 2h or 3d (ago)", ExitCodes.Usage);
    }

    /// <summary>"30m", "26h", "3d", "1w" (optionally followed by "ago") as a span; null when it is not one.</summary>
    public static TimeSpan? TryParseSpan(string text)
    {
        var relative = Relative().Match(text.Trim());
        if (!relative.Success)
            return null;
        var amount = double.Parse(relative.Groups[1].Value, CultureInfo.InvariantCulture);
        return relative.Groups[2].Value.ToLowerInvariant() switch
        {
            "s" => TimeSpan.FromSeconds(amount),
            "m" or "min" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            "d" => TimeSpan.FromDays(amount),
            _ => TimeSpan.FromDays(7 * amount),
        };
    }

    public static TimeSpan ParseSpan(string text, string option) => TryParseSpan(text)
        ?? throw new LifeboatException($"unable to read {option} '{text}': not a duration", "use for example 30m, 26h, 35d or 2w", ExitCodes.Usage);

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)(?:\s+ago)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Relative();
}
