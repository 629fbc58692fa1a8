using System.CommandLine;
using Lifeboat.Cli.Console;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Retention;
using Lifeboat.Core.Storage;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat prune`: the rotation that follows each backup, on its own; --dry-run shows what would go.</summary>
public static class PruneCommand
{
    public static Command Create()
    {
        var dbname = CommonOptions.Dbname();
        var backupDir = CommonOptions.BackupDir();
        var retentionDays = new Option<int>("--retention-days") { Description = "Delete backups older than N days", DefaultValueFactory = _ => RetentionPolicy.Default.RetentionDays };
        var keepLast = new Option<int>("--keep-last") { Description = "Never delete the newest N complete backups (at least 1)", DefaultValueFactory = _ => RetentionPolicy.Default.KeepLast };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be deleted, delete nothing" };
        CommonOptions.NonNegative(retentionDays);
        CommonOptions.NonNegative(keepLast);

        var command = new Command("prune", "Delete old backups by the retention policy (all databases in the folder unless --dbname)");
        foreach (var option in new Option[] { dbname, backupDir, retentionDays, keepLast, dryRun })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(() =>
        {
            var store = new LocalFolderStore(parse.GetValue(backupDir)!);
            store.EnsureReadable();
            var policy = new RetentionPolicy(parse.GetValue(retentionDays), parse.GetValue(keepLast));
            var databases = parse.GetValue(dbname) is { } one ? [one] : BackupCatalog.Scan(store).Select(e => e.Database).Distinct().ToArray();
            var console = Terminal.Instance.Out;
            var total = 0;
            foreach (var database in databases)
            {
                var plan = RetentionApplier.PlanFor(store, database, policy, DateTimeOffset.Now);
                foreach (var entry in plan.Delete)
                    console.WriteLine($"{(parse.GetValue(dryRun) ? "would delete" : "deleting")} {entry.Stem} ({entry.State}, {entry.CreatedAt:yyyy-MM-dd HH:mm}): {string.Join(", ", entry.Files)}");
                if (!parse.GetValue(dryRun))
                    RetentionApplier.Apply(store, plan);
                total += plan.Delete.Count;
                console.WriteLine($"{database}: {plan.Delete.Count} to delete, {plan.Keep.Count(e => e.IsComplete)} complete backups kept (older than {plan.Cutoff:yyyy-MM-dd HH:mm} go, newest {Math.Max(1, policy.KeepLast)} always stay)");
            }
            if (databases.Length == 0)
                console.WriteLine("no backups in " + Markup.Escape(store.Root));
            return Task.FromResult(0);
        }));
        return command;
    }
}
