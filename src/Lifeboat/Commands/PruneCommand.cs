using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Core.Retention;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat prune`: the rotation that follows each backup, on its own; --dry-run shows what would go.</summary>
public static class PruneCommand
{
    public static Command Create(CliServices services)
    {
        var dbname = CommonOptions.Dbname();
        var backupDir = CommonOptions.BackupDir();
        var retentionDays = CommonOptions.RetentionDays();
        var keepLast = CommonOptions.KeepLast();
        var dryRun = CommonOptions.DryRun();
        var json = CommonOptions.Json();

        var command = new Command("prune", "Delete old backups by the retention policy (all databases in the folder unless --dbname)");
        foreach (var option in new Option[] { dbname, backupDir, retentionDays, keepLast, dryRun, json })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(services.Terminal, async () =>
        {
            var request = new PruneRequest(parse.GetValue(backupDir)!, CommonOptions.Policy(parse, retentionDays, keepLast))
            {
                Database = CommonOptions.DatabaseOrEnvironment(parse, dbname),
                DryRun = parse.GetValue(dryRun),
            };
            var result = await new PruneService(services.Stores, services.Clock).PruneAsync(request, ct);
            services.Terminal.Result(parse.GetValue(json), PruneJson.From(result), CliJson.Default.PruneJson, console => PruneReport.Write(console, result));
            foreach (var failed in result.Databases.Where(d => d.Problem is not null))
                services.Terminal.Error($"error: unable to prune '{failed.Database}': {failed.Problem} — check the file's permissions and run again");
            return result.Failed ? Lifeboat.Core.Errors.ExitCodes.Failure : 0;
        }));
        return command;
    }
}
