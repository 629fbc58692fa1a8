using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Verification;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat verify`: checksums and readability always, a real restore with --deep; exit 0 only when all passed.</summary>
public static class VerifyCommand
{
    public static Command Create(CliServices services)
    {
        var connection = new CommonOptions.Connection();
        var backupDir = CommonOptions.BackupDir();
        var pgBin = CommonOptions.PgBin();
        var json = CommonOptions.Json();
        var file = CommonOptions.File("verify");
        var latest = CommonOptions.Latest("Verify", "of --dbname (of each database in the folder without one)");
        var all = new Option<bool>("--all") { Description = "Verify every backup in the folder (of --dbname, if given)" };
        var deep = new Option<bool>("--deep") { Description = "Also restore into a scratch database and compare it with the manifest" };
        var run = new Option<string?>("--run") { Description = "With --deep: a command to run against the scratch database (PGHOST/PGPORT/PGUSER/PGDATABASE set), e.g. \"pytest tests/ -v\"" };
        var jobs = CommonOptions.Jobs(" for --deep");
        var maintenanceDb = CommonOptions.MaintenanceDb();

        var command = new Command("verify", "Prove backups: files, checksums and archive always; a restore into a scratch database with --deep");
        connection.AddTo(command);
        foreach (var option in new Option[] { backupDir, file, latest, all, deep, run, jobs, maintenanceDb, pgBin, json })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(services.Terminal, async () =>
        {
            var chosen = (parse.GetValue(file) is not null ? 1 : 0) + (parse.GetValue(latest) ? 1 : 0) + (parse.GetValue(all) ? 1 : 0);
            if (chosen != 1)
                throw new LifeboatException("unable to verify: say which backups with exactly one of --file, --latest or --all", null, ExitCodes.Usage);
            if (parse.GetValue(run) is not null && !parse.GetValue(deep))
                throw new LifeboatException("unable to verify: --run needs --deep (it runs against the restored scratch database)", null, ExitCodes.Usage);
            var terminal = services.Terminal;
            var request = new VerifyRequest(parse.GetValue(backupDir)!,
                parse.GetValue(file) is not null ? VerifySelection.File : parse.GetValue(latest) ? VerifySelection.Latest : VerifySelection.All)
            {
                Database = CommonOptions.DatabaseOrEnvironment(parse, connection.Dbname),
                File = parse.GetValue(file),
                Deep = parse.GetValue(deep),
                RunCommand = parse.GetValue(run),
                Connection = connection.Resolve(parse),
                MaintenanceDatabase = parse.GetValue(maintenanceDb)!,
                Jobs = parse.GetValue(jobs),
                PgBin = parse.GetValue(pgBin),
                RunCommandOutputToStderr = parse.GetValue(json),
            };
            var asJson = parse.GetValue(json);
            var report = await new VerifyService(services.Stores, terminal.PasswordPrompt, services.Clock)
                .RunAsync(request, asJson ? null : ProgressDisplay.StepLines(terminal, timestamps: false), ct);
            terminal.Result(asJson, VerifyJson.From(report), CliJson.Default.VerifyJson, _ => VerifyReportWriter.Write(terminal, report));
            return report.Passed ? 0 : ExitCodes.Integrity;
        }));
        return command;
    }
}
