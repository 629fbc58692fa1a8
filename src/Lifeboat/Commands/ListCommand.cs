using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Core.Catalog;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat list`: the backups in the folder, incomplete ones shown as such; --json for scripts.</summary>
public static class ListCommand
{
    public static Command Create(CliServices services)
    {
        var dbname = CommonOptions.Dbname();
        var backupDir = CommonOptions.BackupDir();
        var json = CommonOptions.Json();
        var command = new Command("list", "List the backups in the folder: date, age, size, format, label, migration version, verification");
        foreach (var option in new Option[] { dbname, backupDir, json })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(services.Terminal, async () =>
        {
            var result = await new ListService(services.Stores).ListAsync(new ListRequest(parse.GetValue(backupDir)!, CommonOptions.DatabaseOrEnvironment(parse, dbname)), ct);
            services.Terminal.Result(parse.GetValue(json), result.Backups.Select(ListEntryJson.From).ToList(), CliJson.Default.ListEntryJsonArray,
                _ => ListReport.Write(services.Terminal, result));
            return 0;
        }));
        return command;
    }
}
