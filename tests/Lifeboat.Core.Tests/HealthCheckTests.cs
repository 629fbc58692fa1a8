using Lifeboat.Core.Catalog;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Monitoring;
using Xunit;
using static Lifeboat.Core.Tests.Support.Histories;

namespace Lifeboat.Core.Tests;

public sealed class HealthCheckTests
{
    static readonly TimeSpan MaxAge = TimeSpan.FromHours(26);
    static readonly TimeSpan VerifiedWindow = TimeSpan.FromDays(35);

    static HealthVerdict Check(IReadOnlyList<CatalogEntry> entries, TimeSpan? requireVerified = null) =>
        HealthCheck.Evaluate(entries, "shop", Now, MaxAge, requireVerified);

    static void AssertVerdict(HealthVerdict verdict, int exitCode, string prefix, params string[] fragments)
    {
        Assert.True(verdict.ExitCode == exitCode, $"expected exit {exitCode}, got {verdict.ExitCode}: {verdict.Line}");
        Assert.StartsWith(prefix + " ", verdict.Line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', verdict.Line);
        foreach (var fragment in fragments)
            Assert.Contains(fragment, verdict.Line, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_deep_verification_counts_as_the_test_restore_that_require_verified_asks_for()
    {
        var checksumsOnly = Complete(Now.AddHours(-1), verification: Passed(Now.AddDays(-1), deep: false));
        var restored = Complete(Now.AddHours(-1), verification: Passed(Now.AddDays(-1), deep: true));

        AssertVerdict(Check([checksumsOnly], VerifiedWindow), HealthCheck.Warning, "WARNING", "deep");
        AssertVerdict(Check([restored], VerifiedWindow), HealthCheck.Ok, "OK", "verified");
    }

    [Fact]
    public void An_empty_folder_is_critical()
    {
        AssertVerdict(Check([]), HealthCheck.Critical, "CRITICAL", "shop", "no complete backup");
    }

    [Fact]
    public void Only_incomplete_backups_are_critical_however_recent_they_are()
    {
        var entries = Newest(
            Incomplete(EntryState.NoManifest, Now.AddMinutes(-5)),
            Incomplete(EntryState.Partial, Now.AddMinutes(-1)),
            Incomplete(EntryState.Damaged, Now.AddHours(-1)),
            Incomplete(EntryState.FailedRun, Now.AddHours(-2)));

        AssertVerdict(Check(entries), HealthCheck.Critical, "CRITICAL", "no complete backup");
    }

    [Fact]
    public void A_backup_taken_an_hour_ago_is_ok()
    {
        var backup = Complete(Now.AddHours(-1));

        AssertVerdict(Check([backup]), HealthCheck.Ok, "OK", backup.Stem);
    }

    [Fact]
    public void A_backup_exactly_max_age_old_is_still_ok()
    {
        AssertVerdict(Check([Complete(Now - MaxAge)]), HealthCheck.Ok, "OK");
    }

    [Fact]
    public void A_newest_backup_older_than_max_age_is_critical_and_named()
    {
        var old = Complete(Now.AddDays(-2));

        AssertVerdict(Check([old]), HealthCheck.Critical, "CRITICAL", "2 days", old.Stem, "max 26 h");
    }

    [Fact]
    public void A_recent_incomplete_run_does_not_hide_that_the_newest_complete_backup_is_too_old()
    {
        var entries = Newest(Complete(Now.AddDays(-3)), Incomplete(EntryState.NoManifest, Now.AddHours(-1)), Incomplete(EntryState.FailedRun, Now.AddMinutes(-10)));

        AssertVerdict(Check(entries), HealthCheck.Critical, "CRITICAL");
    }

    [Fact]
    public void The_newest_backup_counts_even_when_the_list_is_not_sorted()
    {
        var entries = new[] { Complete(Now.AddDays(-5)), Complete(Now.AddHours(-2)), Complete(Now.AddDays(-3)) };

        AssertVerdict(Check(entries), HealthCheck.Ok, "OK", entries[1].Stem);
    }

    [Fact]
    public void Without_require_verified_a_never_verified_backup_is_ok()
    {
        AssertVerdict(Check([Complete(Now.AddHours(-1))]), HealthCheck.Ok, "OK");
    }

    [Fact]
    public void With_require_verified_a_never_verified_backup_is_a_warning()
    {
        AssertVerdict(Check([Complete(Now.AddHours(-1))], VerifiedWindow), HealthCheck.Warning, "WARNING", "35 days", "verify");
    }

    [Fact]
    public void With_require_verified_a_verification_passed_within_the_window_is_ok()
    {
        var entries = Newest(Complete(Now.AddHours(-1)), Complete(Now.AddDays(-10), verification: Passed(Now.AddDays(-10))));

        AssertVerdict(Check(entries, VerifiedWindow), HealthCheck.Ok, "OK", "verified");
    }

    [Fact]
    public void With_require_verified_a_pass_older_than_the_window_is_a_warning()
    {
        var entries = Newest(Complete(Now.AddHours(-1)), Complete(Now.AddDays(-40), verification: Passed(Now.AddDays(-36))));

        AssertVerdict(Check(entries, VerifiedWindow), HealthCheck.Warning, "WARNING");
    }

    [Fact]
    public void A_failed_latest_verification_is_critical_even_without_require_verified()
    {
        var bad = Complete(Now.AddHours(-1), verification: Failed(Now.AddMinutes(-30)));
        var entries = Newest(bad, Complete(Now.AddDays(-1), verification: Passed(Now.AddDays(-1))));

        AssertVerdict(Check(entries), HealthCheck.Critical, "CRITICAL", "verification failed", bad.Stem, "99 rows");
        AssertVerdict(Check(entries, VerifiedWindow), HealthCheck.Critical, "CRITICAL", "verification failed");
    }

    [Fact]
    public void A_failed_verification_followed_by_a_later_pass_is_ok()
    {
        var entries = Newest(
            Complete(Now.AddHours(-1), verification: Passed(Now.AddMinutes(-10))),
            Complete(Now.AddDays(-1), verification: Failed(Now.AddHours(-20))));

        AssertVerdict(Check(entries, VerifiedWindow), HealthCheck.Ok, "OK");
    }

    [Fact]
    public void Verifications_of_incomplete_entries_do_not_count()
    {
        // A damaged manifest has no readable verification; only complete backups can prove anything.
        var entries = Newest(Complete(Now.AddHours(-1)), Incomplete(EntryState.Damaged, Now.AddMinutes(-30)));

        AssertVerdict(Check(entries, VerifiedWindow), HealthCheck.Warning, "WARNING");
    }

    [Fact]
    public void Too_old_wins_over_a_missing_verification()
    {
        AssertVerdict(Check([Complete(Now.AddDays(-3))], VerifiedWindow), HealthCheck.Critical, "CRITICAL");
    }

    [Fact]
    public void The_exit_codes_follow_the_nagios_convention()
    {
        Assert.Equal((0, 1, 2), (HealthCheck.Ok, HealthCheck.Warning, HealthCheck.Critical));
    }
}
