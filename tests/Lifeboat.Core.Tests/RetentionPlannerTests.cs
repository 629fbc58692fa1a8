using Lifeboat.Core.Catalog;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Retention;
using Xunit;
using static Lifeboat.Core.Tests.Support.Histories;

namespace Lifeboat.Core.Tests;

public sealed class RetentionPlannerTests
{
    [Fact]
    public void Backups_older_than_the_retention_period_are_deleted_and_newer_ones_kept()
    {
        var entries = Newest(Complete(Now.AddDays(-1)), Complete(Now.AddDays(-2)), Complete(Now.AddDays(-3)),
            Complete(Now.AddDays(-8)), Complete(Now.AddDays(-9)));

        var plan = RetentionPlanner.Plan(entries, new RetentionPolicy(7, 3), Now);

        Assert.Equal(Now.AddDays(-7), plan.Cutoff);
        Assert.Equal(new[] { entries[3].Stem, entries[4].Stem }, plan.Delete.Select(e => e.Stem));
        Assert.Equal(entries.Take(3).Select(e => e.Stem), plan.Keep.Select(e => e.Stem));
    }

    [Fact]
    public void When_every_backup_is_old_the_newest_keep_last_survive()
    {
        // Backups kept failing for a month: retention must not take the last good ones.
        var entries = Newest(Enumerable.Range(0, 6).Select(i => Complete(Now.AddDays(-30 - i))).ToArray());

        var plan = RetentionPlanner.Plan(entries, new RetentionPolicy(7, 3), Now);

        Assert.Equal(entries.Take(3).Select(e => e.Stem), plan.Keep.Select(e => e.Stem));
        Assert.Equal(entries.Skip(3).Select(e => e.Stem), plan.Delete.Select(e => e.Stem));
    }

    [Fact]
    public void Keep_last_zero_still_keeps_the_newest_backup()
    {
        var entries = Newest(Complete(Now.AddDays(-20)), Complete(Now.AddDays(-21)));

        var plan = RetentionPlanner.Plan(entries, new RetentionPolicy(7, 0), Now);

        Assert.Equal(new[] { entries[0].Stem }, plan.Keep.Select(e => e.Stem));
    }

    [Fact]
    public void Incomplete_backups_are_never_deleted_but_old_logs_of_failed_runs_are()
    {
        var old = Now.AddDays(-30);
        var entries = Newest(
            Complete(Now.AddDays(-1)),
            Incomplete(EntryState.Partial, old.AddHours(1)),
            Incomplete(EntryState.Damaged, old.AddHours(2)),
            Incomplete(EntryState.NoManifest, old.AddHours(3)),
            Incomplete(EntryState.FailedRun, old.AddHours(4)));

        var plan = RetentionPlanner.Plan(entries, new RetentionPolicy(7, 1), Now);

        Assert.Equal(new[] { EntryState.FailedRun }, plan.Delete.Select(e => e.State));
    }

    [Fact]
    public void Incomplete_entries_do_not_count_towards_keep_last()
    {
        var entries = Newest(
            Incomplete(EntryState.NoManifest, Now.AddDays(-10)),
            Incomplete(EntryState.Damaged, Now.AddDays(-11)),
            Complete(Now.AddDays(-12)),
            Complete(Now.AddDays(-13)));

        var plan = RetentionPlanner.Plan(entries, new RetentionPolicy(7, 2), Now);

        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void An_empty_folder_plans_nothing()
    {
        var plan = RetentionPlanner.Plan([], RetentionPolicy.Default, Now);

        Assert.Empty(plan.Delete);
        Assert.Empty(plan.Keep);
    }

    [Fact]
    public void Over_many_random_histories_the_plan_keeps_its_promises()
    {
        var random = new Random(20251024);
        var states = Enum.GetValues<EntryState>();
        for (var run = 0; run < 2000; run++)
        {
            var policy = new RetentionPolicy(random.Next(0, 15), random.Next(0, 6));
            var entries = RandomHistory(random, states);
            var plan = RetentionPlanner.Plan(entries, policy, Now);
            var context = $"run {run}: policy {policy}, {entries.Count} entries\n" +
                string.Join('\n', entries.Select(e => $"  {e.State,-10} {e.CreatedAt:O}"));

            // Every entry lands in exactly one of the two lists.
            Assert.True(plan.Delete.Count + plan.Keep.Count == entries.Count, context);
            Assert.True(plan.Delete.Concat(plan.Keep).Select(e => e.Stem).ToHashSet().SetEquals(entries.Select(e => e.Stem)), context);
            Assert.Equal(Now.AddDays(-policy.RetentionDays), plan.Cutoff);

            // Never the newest KeepLast (at least one) complete backups.
            var keepLast = Math.Max(1, policy.KeepLast);
            var newestComplete = entries.Where(e => e.IsComplete).OrderByDescending(e => e.CreatedAt).Take(keepLast).Select(e => e.Stem).ToHashSet();
            Assert.True(!plan.Delete.Any(e => newestComplete.Contains(e.Stem)), "deleted one of the newest complete backups\n" + context);

            // Never anything that is not a backup or a failed run's log.
            Assert.True(plan.Delete.All(e => e.State is EntryState.Complete or EntryState.FailedRun), "deleted an incomplete backup\n" + context);

            // Only what is older than the cutoff.
            Assert.True(plan.Delete.All(e => e.CreatedAt < plan.Cutoff), "deleted a backup newer than the cutoff\n" + context);

            // And everything else that may go does go: complete backups beyond KeepLast and failed runs, older than the cutoff.
            var expected = entries.Where(e => e.State is EntryState.Complete or EntryState.FailedRun)
                .Where(e => e.CreatedAt < plan.Cutoff && !newestComplete.Contains(e.Stem)).Select(e => e.Stem).ToHashSet();
            Assert.True(expected.SetEquals(plan.Delete.Select(e => e.Stem)), "the plan kept an expired backup\n" + context);
        }
    }

    static IReadOnlyList<CatalogEntry> RandomHistory(Random random, EntryState[] states)
    {
        var count = random.Next(0, 25);
        // Distinct times (whole seconds, as in the names) within the last 30 days, some right at the cutoffs' edges.
        var times = new HashSet<DateTimeOffset>();
        while (times.Count < count)
        {
            var at = random.Next(4) == 0
                ? Now.AddDays(-random.Next(0, 15)).AddSeconds(random.Next(-1, 2))
                : Now.AddSeconds(-random.Next(0, 30 * 24 * 3600));
            times.Add(at);
        }
        return Newest(times.Select(at =>
        {
            // Mostly complete backups, like a real folder.
            var state = random.Next(3) == 0 ? states[random.Next(states.Length)] : EntryState.Complete;
            return state == EntryState.Complete ? Complete(at) : Incomplete(state, at);
        }).ToArray());
    }

    [Fact]
    public void Safety_backups_of_restores_do_not_push_regular_backups_out_of_the_newest_kept()
    {
        var now = Now;
        var regular = Complete(now.AddDays(-30));
        var entries = Newest(regular, SafetyBackup(now.AddDays(-20)), SafetyBackup(now.AddDays(-10)));

        var plan = RetentionPlanner.Plan(entries, new RetentionPolicy(7, 1), now);

        Assert.DoesNotContain(regular, plan.Delete);
        Assert.Equal(2, plan.Delete.Count);
    }
}
