using System.CommandLine;
using Lifeboat.Cli.Console;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Verification;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat verify`: checksums and readability always, a real restore with --deep; exit 0 only when all passed.</summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var connection = new CommonOptions.Connection();
        var backupDir = CommonOptions.BackupDir();
        var pgBin = CommonOptions.PgBin();
        var file = new Option<string?>("--file") { Description = "The backup to verify: a path or a backup's name" };
        var latest = new Option<bool>("--latest") { Description = "Verify the newest complete backup (of --dbname, if given)" };
        var all = new Option<bool>("--all") { Description = "Verify every backup in the folder (of --dbname, if given)" };
        var deep = new Option<bool>("--deep") { Description = "Also restore into a scratch database and compare it with the manifest" };
        var run = new Option<string?>("--run") { Description = "With --deep: a command to run against the scratch database (PGHOST/PGPORT/PGUSER/PGDATABASE set), e.g. \"pytest tests/ -v\"" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Parallel pg_restore jobs for --deep", DefaultValueFactory = _ => Environment.ProcessorCount };
        var maintenanceDb = new Option<string>("--maintenance-db") { Description = "Database to connect to for CREATE/DROP of the scratch database", DefaultValueFactory = _ => "postgres" };

        var command = new Command("verify", "Prove backups: files, checksums and archive always; a restore into a scratch database with --deep");
        connection.AddTo(command);
        foreach (var option in new Option[] { backupDir, file, latest, all, deep, run, jobs, maintenanceDb, pgBin })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(async () =>
        {
            var chosen = (parse.GetValue(file) is not null ? 1 : 0) + (parse.GetValue(latest) ? 1 : 0) + (parse.GetValue(all) ? 1 : 0);
            if (chosen != 1)
                throw new LifeboatException("unable to verify: say which backups with exactly one of --file, --latest or --all", null, ExitCodes.Usage);
            if (parse.GetValue(run) is not null && !parse.GetValue(deep))
                throw new LifeboatException("unable to verify: --run needs --deep (it runs against the restored scratch database)", null, ExitCodes.Usage);
            var terminal = Terminal.Instance;
            var request = new VerifyRequest(parse.GetValue(backupDir)!,
                parse.GetValue(file) is not null ? VerifySelection.File : parse.GetValue(latest) ? VerifySelection.Latest : VerifySelection.All)
            {
                Database = parse.GetValue(connection.Dbname),
                File = parse.GetValue(file),
                Deep = parse.GetValue(deep),
                RunCommand = parse.GetValue(run),
                Connection = connection.Resolve(parse),
                MaintenanceDatabase = parse.GetValue(maintenanceDb)!,
                Jobs = parse.GetValue(jobs),
                PgBin = parse.GetValue(pgBin),
            };
            var results = await new VerifyService(terminal.PasswordPrompt, TimeProvider.System).RunAsync(request,
                phase => terminal.Out.MarkupLine($"[grey]{Markup.Escape(phase)}[/]"), ct);
            foreach (var result in results)
            {
                if (result.Passed)
                    terminal.Out.MarkupLine($"[green]OK[/] {Markup.Escape(result.Stem)}: {Markup.Escape(result.Summary)}");
                foreach (var problem in result.Problems)
                    System.Console.Error.WriteLine($"FAILED {problem}");
            }
            var failed = results.Count(r => !r.Passed);
            terminal.Out.WriteLine($"{results.Count - failed} of {results.Count} backups verified{(failed > 0 ? $", {failed} failed" : "")}");
            return failed == 0 ? 0 : ExitCodes.Integrity;
        }));
        return command;
    }
}
