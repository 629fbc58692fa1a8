using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Core;
using Lifeboat.Core.Monitoring;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat check`: for monitoring (Nagios convention): 0 OK, 1 WARNING, 2 CRITICAL, one line.</summary>
public static class CheckCommand
{
    public const string Name = "check";

    public static Command Create(CliServices services)
    {
        var dbname = CommonOptions.Dbname();
        var backupDir = CommonOptions.BackupDir();
        var json = CommonOptions.Json();
        var maxAge = new Option<string>("--max-age") { Description = "CRITICAL when the newest complete backup is older than this (e.g. 26h)", DefaultValueFactory = _ => Defaults.MaxAge };
        var requireVerified = new Option<string?>("--require-verified") { Description = "WARNING when no backup passed verification within this period (e.g. 35d)" };
        var command = new Command(Name, "Monitoring check: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (could not check), with one line saying why");
        foreach (var option in new Option[] { dbname, backupDir, maxAge, requireVerified, json })
            command.Options.Add(option);

        command.SetAction(async (parse, ct) =>
        {
            var request = new CheckRequest(parse.GetValue(backupDir)!, parse.GetValue(maxAge)!)
            {
                Database = CommonOptions.DatabaseOrEnvironment(parse, dbname),
                RequireVerified = parse.GetValue(requireVerified),
            };
            var verdict = await new CheckService(services.Stores, services.Clock).CheckAsync(request, ct);
            services.Terminal.Result(parse.GetValue(json), CheckJson.From(verdict), CliJson.Default.CheckJson, _ => services.Terminal.Line(verdict.Line));
            return verdict.ExitCode;
        });
        return command;
    }
}
