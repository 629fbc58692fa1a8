using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Core.Staging;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat cleanup`: lists and removes what killed runs left (scratch databases, decompressed copies); --dry-run only lists.</summary>
public static class CleanupCommand
{
    public static Command Create(CliServices services)
    {
        var connection = new CommonOptions.Connection();
        var backupDir = CommonOptions.BackupDir();
        var maintenanceDb = CommonOptions.MaintenanceDb();
        var dryRun = CommonOptions.DryRun();
        var json = CommonOptions.Json();
        var command = new Command("cleanup", "Remove what killed runs left behind: scratch databases whose run is gone (of --dbname, or all), and stale decompressed copies");
        connection.AddTo(command);
        foreach (var option in new Option[] { backupDir, maintenanceDb, dryRun, json })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(services.Terminal, async () =>
        {
            var request = new CleanupRequest(connection.Resolve(parse), parse.GetValue(backupDir)!)
            {
                Database = CommonOptions.DatabaseOrEnvironment(parse, connection.Dbname),
                MaintenanceDatabase = parse.GetValue(maintenanceDb)!,
                DryRun = parse.GetValue(dryRun),
            };
            var result = await new CleanupService(services.Stores, services.Terminal.PasswordPrompt).CleanupAsync(request, ct);
            services.Terminal.Result(parse.GetValue(json), new CleanupJson(result.DryRun, result.Items), CliJson.Default.CleanupJson,
                console => CleanupReport.Write(console, result));
            return 0;
        }));
        return command;
    }
}
