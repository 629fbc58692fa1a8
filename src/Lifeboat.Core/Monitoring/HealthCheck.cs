using Lifeboat.Core.Catalog;

namespace Lifeboat.Core.Monitoring;

/// <summary>
/// `lifeboat check` for monitoring systems, Nagios style: 0 OK, 1 WARNING, 2 CRITICAL (3 UNKNOWN: the check could not run), and one line saying why.
/// Pure: the catalog and the clock in, the verdict out.
/// </summary>
public static class HealthCheck
{
    public const int Ok = 0, Warning = 1, Critical = 2, Unknown = 3;

    public static HealthVerdict Evaluate(IReadOnlyList<CatalogEntry> entries, string scope, DateTimeOffset now, TimeSpan maxAge, TimeSpan? requireVerified)
    {
        var complete = entries.Where(e => e.IsComplete).OrderByDescending(e => e.CreatedAt).ToList();
        if (complete.Count == 0)
            return new(Critical, $"CRITICAL - {scope}: no complete backup");

        var newest = complete[0];
        var age = now - newest.CreatedAt;
        if (age > maxAge)
            return new(Critical, $"CRITICAL - {scope}: newest backup is {Units.Span(age)} old (max {Units.Span(maxAge)}): {newest.Stem}");

        var lastVerification = complete.Where(e => e.Manifest!.Verification is not null)
            .OrderByDescending(e => e.Manifest!.Verification!.At).FirstOrDefault();
        if (lastVerification?.Manifest!.Verification is { Passed: false } failed)
            return new(Critical, $"CRITICAL - {scope}: the latest verification failed ({lastVerification.Stem}, {failed.At:yyyy-MM-dd HH:mm}): {failed.Summary}");

        var ok = $"newest backup {Units.Age(age)} ({newest.Stem})";
        if (requireVerified is { } window)
        {
            var recentPass = complete.Select(e => e.Manifest!.Verification).Any(v => v is { Passed: true, Deep: true } && now - v.At <= window);
            if (!recentPass)
                return new(Warning, $"WARNING - {scope}: {ok}, but no backup passed a deep verification in the last {Units.Span(window)} (run lifeboat verify --deep)");
            ok += $", verified {Units.Age(now - lastVerification!.Manifest!.Verification!.At)}";
        }
        return new(Ok, $"OK - {scope}: {ok}");
    }
}

/// <summary>Exit code and the one line that explains it.</summary>
public sealed record HealthVerdict(int ExitCode, string Line);
