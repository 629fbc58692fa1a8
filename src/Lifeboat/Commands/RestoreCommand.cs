using System.CommandLine;
using Lifeboat.Cli.Console;
using Lifeboat.Core;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Restore;
using Lifeboat.Core.Storage;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat restore`: picks a backup (or lets the user pick), then hands a <see cref="RestoreRequest"/> to the service.</summary>
public static class RestoreCommand
{
    public static Command Create()
    {
        var connection = new CommonOptions.Connection();
        var backupDir = CommonOptions.BackupDir();
        var pgBin = CommonOptions.PgBin();
        var file = new Option<string?>("--file") { Description = "The backup to restore: a path, or a backup's name in the backup folder" };
        var latest = new Option<bool>("--latest") { Description = "Restore the newest complete backup of the database" };
        var at = new Option<string?>("--at") { Description = "Restore the newest backup taken at or before TIME ('2025-10-24 22:00', ISO 8601, or 2h / 3d ago)" };
        var force = new Option<bool>("--force") { Description = "Replace an existing database without asking" };
        var targetDb = new Option<string?>("--target-db") { Description = "Restore under another name (created; asks before replacing it if it exists)" };
        var maintenanceDb = new Option<string>("--maintenance-db") { Description = "Database to connect to for CREATE/RENAME/DROP", DefaultValueFactory = _ => "postgres" };
        var noOwner = new Option<bool>("--no-owner") { Description = "Do not restore ownership: objects belong to the restoring user" };
        var noPrivileges = new Option<bool>("--no-privileges") { Description = "Do not restore privileges (GRANT/REVOKE)" };
        var createRoles = new Option<bool>("--create-roles") { Description = "Create roles the backup needs and the server lacks, from its .roles.sql" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Parallel pg_restore jobs (default: the number of cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var noSafety = new Option<bool>("--no-safety-backup") { Description = "Skip the backup of the current database taken before it is replaced" };
        var keepOld = new Option<bool>("--keep-old") { Description = "Keep the replaced database under a new name instead of dropping it" };
        var swapTimeout = new Option<int>("--swap-timeout") { Description = "Seconds the swap may take to end the target's sessions before it rolls back (default 30)", DefaultValueFactory = _ => 30 };
        jobs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
                r.AddError("--jobs must be 1 or more");
        });
        swapTimeout.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
                r.AddError("--swap-timeout must be 1 second or more");
        });

        var command = new Command("restore", "Restore a backup into a staging database, verify it, then swap it in (the old database is never dropped first)");
        connection.AddTo(command);
        foreach (var option in new Option[] { backupDir, file, latest, at, force, targetDb, maintenanceDb, noOwner, noPrivileges, createRoles, jobs, noSafety, keepOld, swapTimeout, pgBin })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(async () =>
        {
            var terminal = Terminal.Instance;
            var settings = connection.Resolve(parse);
            // --file without -d (or PGDATABASE): the database is the one the backup was taken of, not the user's name.
            if (parse.GetValue(file) is { } named && parse.GetValue(connection.Dbname) is null
                && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PGDATABASE"))
                && Lifeboat.Core.Backup.BackupNaming.ParseUserGiven(Path.GetFileName(named)) is { } parsed)
                settings = settings.WithDatabase(parsed.Database);
            var given = new[] { parse.GetValue(file) is not null ? "--file" : null, parse.GetValue(latest) ? "--latest" : null, parse.GetValue(at) is not null ? "--at" : null }
                .OfType<string>().ToList();
            if (given.Count > 1)
                throw new LifeboatException($"unable to choose the backup: {string.Join(" and ", given)} were both given",
                    "give one of --file, --latest and --at (or none, to pick from a list)", ExitCodes.Usage);
            var choice = new BackupChoice(parse.GetValue(file), parse.GetValue(latest),
                parse.GetValue(at) is { } text ? TimeExpression.Parse(text, DateTimeOffset.Now) : null);
            if (choice.IsEmpty)
                choice = new BackupChoice(File: PickInteractively(terminal, parse.GetValue(backupDir)!, settings.Database));

            var request = new RestoreRequest(settings, parse.GetValue(backupDir)!, choice)
            {
                TargetDatabase = parse.GetValue(targetDb),
                MaintenanceDatabase = parse.GetValue(maintenanceDb)!,
                NoOwner = parse.GetValue(noOwner),
                NoPrivileges = parse.GetValue(noPrivileges),
                CreateRoles = parse.GetValue(createRoles),
                Jobs = parse.GetValue(jobs),
                SafetyBackup = !parse.GetValue(noSafety),
                KeepOld = parse.GetValue(keepOld),
                SwapTimeout = TimeSpan.FromSeconds(parse.GetValue(swapTimeout)),
                PgBin = parse.GetValue(pgBin),
            };
            var service = new RestoreService(terminal.PasswordPrompt, new RestoreConfirmation(terminal, parse.GetValue(force)), TimeProvider.System);
            var result = await service.RunAsync(request, phase => PrintPhase(terminal, phase), ct);
            RestoreReport.Write(terminal.Out, result);
            return 0;
        }));
        return command;
    }

    private static string PickInteractively(Terminal terminal, string backupDir, string database)
    {
        if (!Terminal.IsInteractive)
            throw new LifeboatException("unable to choose a backup: no --file, --latest or --at was given and there is no terminal to ask",
                "add --latest, --at TIME or --file NAME", ExitCodes.Usage);
        var store = new LocalFolderStore(backupDir);
        store.EnsureReadable();
        var backups = BackupCatalog.Scan(store, database).Where(e => e.IsComplete).ToList();
        if (backups.Count == 0)
            throw new LifeboatException($"unable to restore '{database}': no complete backup of it in '{store.Root}'",
                "check --dbname and --backup-dir", ExitCodes.Failure);
        return store.PathOf(BackupPicker.Pick(terminal, backups).ArchiveName!);
    }

    private static void PrintPhase(Terminal terminal, string phase) =>
        terminal.Out.MarkupLine($"[grey]{Markup.Escape(DateTime.Now.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))}[/] {Markup.Escape(phase)}");
}
