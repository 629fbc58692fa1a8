using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Core;
using Lifeboat.Core.Backup;
using Lifeboat.Core.Manifest;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat backup`: parses options into a <see cref="BackupRequest"/> and reports the result.</summary>
public static class BackupCommand
{
    public static Command Create(CliServices services)
    {
        var connection = new CommonOptions.Connection();
        var backupDir = CommonOptions.BackupDir();
        var pgBin = CommonOptions.PgBin();
        var json = CommonOptions.Json();
        var format = CommonOptions.Format();
        var compress = CommonOptions.Compress();
        var label = CommonOptions.Label();
        var utc = new Option<bool>("--utc") { Description = "Name the file by UTC time instead of local time" };
        var retentionDays = CommonOptions.RetentionDays();
        var keepLast = CommonOptions.KeepLast();
        var noPrune = new Option<bool>("--no-prune") { Description = "Skip rotation after the backup" };
        var rolePasswords = new Option<bool>("--include-role-passwords") { Description = "Save the password hashes of the roles too (needs superuser)" };
        var lockTimeout = CommonOptions.LockTimeout();

        var command = new Command("backup", "Back up one database into the backup folder, with a manifest, a log and its migration history");
        connection.AddTo(command);
        foreach (var option in new Option[] { backupDir, format, compress, label, utc, retentionDays, keepLast, noPrune, rolePasswords, lockTimeout, pgBin, json })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(services.Terminal, async () =>
        {
            var terminal = services.Terminal;
            var request = new BackupRequest(connection.Resolve(parse), parse.GetValue(backupDir)!)
            {
                Format = parse.GetValue(format),
                Compression = parse.GetValue(compress),
                Label = parse.GetValue(label),
                UtcNames = parse.GetValue(utc),
                Retention = CommonOptions.Policy(parse, retentionDays, keepLast),
                Prune = !parse.GetValue(noPrune),
                PgBin = parse.GetValue(pgBin),
                IncludeRolePasswords = parse.GetValue(rolePasswords),
                LockTimeout = TimeSpan.FromSeconds(parse.GetValue(lockTimeout)),
            };
            var service = new BackupService(services.Stores, terminal.PasswordPrompt, services.Clock);
            var result = await ProgressDisplay.StatusLineAsync(terminal, "Backing up", progress => service.RunAsync(request, progress, ct));
            if (parse.GetValue(json))
                terminal.Json(ManifestSerializer.ToUtf8(result.Manifest));
            else
                BackupReport.Write(terminal.Out, result);
            // (Its warnings were shown as they were raised: see ProgressDisplay.StatusLineAsync.)
            return 0;
        }));
        return command;
    }
}
