using System.CommandLine;
using Lifeboat.Cli.Console;
using Lifeboat.Core.Backup;
using Lifeboat.Core.Retention;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat backup`: parses options into a <see cref="BackupRequest"/> and reports the result.</summary>
public static class BackupCommand
{
    public static Command Create()
    {
        var connection = new CommonOptions.Connection();
        var backupDir = CommonOptions.BackupDir();
        var pgBin = CommonOptions.PgBin();
        var json = CommonOptions.Json();
        var format = CommonOptions.Choice("--format", "custom: .dump, restorable in parallel; plain: .sql, the seed's", BackupFormat.Custom, "-F");
        var compress = CommonOptions.Choice("--compress", "zstd is the default: as small as pg_dump's gzip, 4x faster", Compression.Zstd);
        var label = new Option<string?>("--label") { Description = "A note kept in the manifest (e.g. pre-migration)" };
        var utc = new Option<bool>("--utc") { Description = "Name the file by UTC time instead of local time" };
        var retentionDays = new Option<int>("--retention-days") { Description = "After a successful backup, delete this database's backups older than N days", DefaultValueFactory = _ => RetentionPolicy.Default.RetentionDays };
        var keepLast = new Option<int>("--keep-last") { Description = "Never delete the newest N complete backups, whatever their age (at least 1 is always kept)", DefaultValueFactory = _ => RetentionPolicy.Default.KeepLast };
        var noPrune = new Option<bool>("--no-prune") { Description = "Skip rotation after the backup" };
        var rolePasswords = new Option<bool>("--include-role-passwords") { Description = "Save the password hashes of the roles too (needs superuser)" };
        CommonOptions.NonNegative(retentionDays);
        CommonOptions.NonNegative(keepLast);

        var command = new Command("backup", "Back up one database into the backup folder, with a manifest, a log and its migration history");
        connection.AddTo(command);
        foreach (var option in new Option[] { backupDir, format, compress, label, utc, retentionDays, keepLast, noPrune, rolePasswords, pgBin, json })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(async () =>
        {
            var terminal = Terminal.Instance;
            // Ask for a password (if needed) before the progress display starts: never prompt inside it. Without a
            // terminal there is nobody to ask, and the backup's own login gives the same errors: one login fewer.
            var settings = terminal.PasswordPrompt is null
                ? connection.Resolve(parse)
                : await Lifeboat.Core.Postgres.PostgresConnector.AuthenticateAsync(connection.Resolve(parse), terminal.PasswordPrompt, ct);
            var request = new BackupRequest(settings, parse.GetValue(backupDir)!)
            {
                Format = parse.GetValue(format),
                Compression = parse.GetValue(compress),
                Label = parse.GetValue(label),
                UtcNames = parse.GetValue(utc),
                Retention = new RetentionPolicy(parse.GetValue(retentionDays), parse.GetValue(keepLast)),
                Prune = !parse.GetValue(noPrune),
                PgBin = parse.GetValue(pgBin),
                IncludeRolePasswords = parse.GetValue(rolePasswords),
            };
            var service = new BackupService(terminal.PasswordPrompt, TimeProvider.System);
            var result = await ProgressDisplay.RunAsync(terminal, "Backing up", progress => service.RunAsync(request, progress, ct));
            if (parse.GetValue(json))
                BackupReport.WriteJson(result);
            else
                BackupReport.Write(terminal.Out, result);
            return 0;
        }));
        return command;
    }
}
