using System.CommandLine;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Monitoring;
using Lifeboat.Core.Restore;
using Lifeboat.Core.Storage;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat check`: for monitoring (Nagios convention): 0 OK, 1 WARNING, 2 CRITICAL, one line.</summary>
public static class CheckCommand
{
    public static Command Create()
    {
        var dbname = CommonOptions.Dbname();
        var backupDir = CommonOptions.BackupDir();
        var maxAge = new Option<string>("--max-age") { Description = "CRITICAL when the newest complete backup is older than this (e.g. 26h)", DefaultValueFactory = _ => "26h" };
        var requireVerified = new Option<string?>("--require-verified") { Description = "WARNING when no backup passed verification within this period (e.g. 35d)" };
        var command = new Command("check", "Monitoring check: exit 0 OK, 1 WARNING, 2 CRITICAL, with one line saying why");
        foreach (var option in new Option[] { dbname, backupDir, maxAge, requireVerified })
            command.Options.Add(option);

        command.SetAction(parse =>
        {
            // A monitoring system reads one line on stdout and the exit code: a check that cannot even look at the
            // backups (unreadable folder, bad --max-age) is CRITICAL, never a WARNING (1) or a silent stderr message.
            try
            {
                var store = new LocalFolderStore(parse.GetValue(backupDir)!);
                var database = parse.GetValue(dbname);
                var entries = store.List().Any() ? BackupCatalog.Scan(store, database) : [];
                var verdict = HealthCheck.Evaluate(entries, database ?? store.Root, DateTimeOffset.Now,
                    TimeExpression.ParseSpan(parse.GetValue(maxAge)!, "--max-age"),
                    parse.GetValue(requireVerified) is { } window ? TimeExpression.ParseSpan(window, "--require-verified") : null);
                System.Console.Out.WriteLine(verdict.Line);
                return verdict.ExitCode;
            }
            catch (Exception e) when (e is LifeboatException or IOException or UnauthorizedAccessException)
            {
                System.Console.Out.WriteLine($"CRITICAL - cannot check the backups: {(e as LifeboatException)?.OneLine ?? e.Message}");
                return HealthCheck.Critical;
            }
        });
        return command;
    }
}
