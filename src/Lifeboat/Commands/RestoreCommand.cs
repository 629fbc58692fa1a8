using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Core.Restore;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat restore`: parses options into a <see cref="RestoreRequest"/>; the service picks, checks, stages and swaps.</summary>
public static class RestoreCommand
{
    public static Command Create(CliServices services)
    {
        var connection = new CommonOptions.Connection();
        var backupDir = CommonOptions.BackupDir();
        var pgBin = CommonOptions.PgBin();
        var json = CommonOptions.Json();
        var file = CommonOptions.File("restore");
        var latest = CommonOptions.Latest("Restore");
        var at = new Option<string?>("--at") { Description = "Restore the newest backup taken at or before TIME ('2025-10-24 22:00', ISO 8601, or 2h / 3d ago)" };
        var force = new Option<bool>("--force") { Description = "Replace an existing database without asking" };
        var targetDb = new Option<string?>("--target-db") { Description = "Restore under another name (created; asks before replacing it if it exists)" };
        var maintenanceDb = CommonOptions.MaintenanceDb();
        var noOwner = new Option<bool>("--no-owner") { Description = "Do not restore ownership: objects belong to the restoring user" };
        var noPrivileges = new Option<bool>("--no-privileges") { Description = "Do not restore privileges (GRANT/REVOKE)" };
        var createRoles = new Option<bool>("--create-roles") { Description = "Create roles the backup needs and the server lacks, from its .roles.sql" };
        var template = new Option<string>("--template")
        {
            Description = "The database the staging database is created from: one where a superuser created the backup's untrusted extensions, for a restore by their owner",
            DefaultValueFactory = _ => Lifeboat.Core.Staging.RestorePermissions.DefaultTemplate,
        };
        var jobs = CommonOptions.Jobs(" (and vacuumdb --analyze-only connections)");
        var noSafety = new Option<bool>("--no-safety-backup") { Description = "Skip the backup of the current database taken before it is replaced" };
        var noAnalyze = new Option<bool>("--no-analyze")
        {
            Description = "Skip the ANALYZE of the restored database (vacuumdb --analyze-only) before the swap: the swap comes sooner, but the database plans badly until autovacuum analyzes it",
        };
        var keepOld = new Option<bool>("--keep-old") { Description = "Keep the replaced database under a new name instead of dropping it" };
        var swapTimeout = CommonOptions.SwapTimeout();

        var command = new Command("restore", "Restore a backup into a staging database, verify and analyze it, then swap it in (the old database is never dropped first)");
        connection.AddTo(command);
        foreach (var option in new Option[] { backupDir, file, latest, at, force, targetDb, maintenanceDb, noOwner, noPrivileges, createRoles, template, jobs, noSafety, noAnalyze, keepOld, swapTimeout, pgBin, json })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(services.Terminal, async () =>
        {
            var terminal = services.Terminal;
            var choice = BackupChoice.From(parse.GetValue(file), parse.GetValue(latest), parse.GetValue(at), services.Clock.GetLocalNow());
            var settings = connection.Resolve(parse, connection.DatabaseGiven(parse) ? null : choice.DatabaseFromFile());
            var request = new RestoreRequest(settings, parse.GetValue(backupDir)!, choice)
            {
                TargetDatabase = parse.GetValue(targetDb),
                MaintenanceDatabase = parse.GetValue(maintenanceDb)!,
                NoOwner = parse.GetValue(noOwner),
                NoPrivileges = parse.GetValue(noPrivileges),
                CreateRoles = parse.GetValue(createRoles),
                Template = parse.GetValue(template)!,
                Jobs = parse.GetValue(jobs),
                SafetyBackup = !parse.GetValue(noSafety),
                Analyze = !parse.GetValue(noAnalyze),
                KeepOld = parse.GetValue(keepOld),
                SwapTimeout = TimeSpan.FromSeconds(parse.GetValue(swapTimeout)),
                PgBin = parse.GetValue(pgBin),
            };
            var asJson = parse.GetValue(json);
            var service = new RestoreService(services.Stores, terminal.PasswordPrompt, new RestorePrompts(terminal, parse.GetValue(force)), services.Clock);
            var result = await service.RunAsync(request, asJson ? null : ProgressDisplay.StepLines(terminal, timestamps: true), ct);
            terminal.Result(asJson, RestoreJson.From(result), CliJson.Default.RestoreJson, console => RestoreReport.Write(console, result));
            return 0;
        }));
        return command;
    }
}
