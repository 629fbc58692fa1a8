using System.Globalization;

namespace Lifeboat.Core;

/// <summary>Human-readable sizes, durations and rates.</summary>
public static class Units
{
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Duration(TimeSpan d) => d.TotalSeconds < 60
        ? d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : d.TotalHours < 1 ? $"{(int)d.TotalMinutes} min {d.Seconds} s" : $"{(int)d.TotalHours} h {d.Minutes} min";

    public static string Rate(long bytes, TimeSpan d) => d.TotalSeconds <= 0 ? "-" : Bytes((long)(bytes / d.TotalSeconds)) + "/s";

    public static string Age(TimeSpan d) => d.TotalMinutes < 1 ? "just now"
        : d.TotalHours < 1 ? $"{(int)d.TotalMinutes} min ago"
        : d.TotalDays < 2 ? $"{(int)d.TotalHours} h ago"
        : $"{(int)d.TotalDays} days ago";

    /// <summary>
    /// A length of time in the nearest readable unit, as a limit is written: 45 s, 1 min, 1.5 min, 26 h, 35 days
    /// (never "0 h" for a minute).
    /// </summary>
    public static string Span(TimeSpan d)
    {
        static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        return d.TotalMinutes < 1 ? $"{N(Math.Round(d.TotalSeconds))} s"
            : d.TotalHours < 1 ? $"{N(d.TotalMinutes)} min"
            : d.TotalDays < 2 ? $"{N(d.TotalHours)} h"
            : $"{N(d.TotalDays)} days";
    }
}
