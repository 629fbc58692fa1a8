using System.CommandLine;
using System.Text.Json;
using Lifeboat.Cli.Console;
using Lifeboat.Core;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Monitoring;
using Lifeboat.Core.Storage;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat status`: the database's size and migration version next to its newest backup and verification.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var connection = new CommonOptions.Connection();
        var backupDir = CommonOptions.BackupDir();
        var json = CommonOptions.Json();
        var command = new Command("status", "The database and its backups at a glance");
        connection.AddTo(command);
        command.Options.Add(backupDir);
        command.Options.Add(json);

        command.SetAction((parse, ct) => CommandRunner.Guard(async () =>
        {
            var store = new LocalFolderStore(parse.GetValue(backupDir)!);
            var terminal = Terminal.Instance;
            var status = await DatabaseStatus.ReadAsync(connection.Resolve(parse), store, terminal.PasswordPrompt, ct);
            if (parse.GetValue(json))
            {
                System.Console.Out.WriteLine(JsonSerializer.Serialize(new StatusJson(
                    Database: status.Database,
                    SizeBytes: status.SizeBytes,
                    MigrationVersion: status.MigrationVersion,
                    ServerProblem: status.ServerProblem,
                    NewestBackup: status.NewestBackup is { } n
                        ? new NewestBackupJson(store.PathOf(n.ArchiveName!), n.CreatedAt, (long)(DateTimeOffset.Now - n.CreatedAt).TotalSeconds) : null,
                    BackupCount: status.BackupCount,
                    BackupBytes: status.BackupBytes,
                    IncompleteCount: status.IncompleteCount,
                    FreeBytes: status.FreeBytes,
                    NewestVerification: status.NewestVerified?.Manifest?.Verification), CliJson.Default.StatusJson));
                return 0;
            }
            Write(terminal.Out, store, status);
            return 0;
        }));
        return command;
    }

    private static void Write(IAnsiConsole console, LocalFolderStore store, DatabaseStatus s)
    {
        var now = DateTimeOffset.Now;
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("database", Markup.Escape(s.Database));
        grid.AddRow("size", s.ServerProblem is null ? Markup.Escape(Units.Bytes(s.SizeBytes ?? 0)) : $"[red]unavailable[/]: {Markup.Escape(s.ServerProblem)}");
        grid.AddRow("migration", Markup.Escape(s.MigrationVersion ?? (s.ServerProblem is null ? "none" : "?")));
        grid.AddRow("newest backup", s.NewestBackup is { } n ? Markup.Escape($"{n.ArchiveName} ({Units.Age(now - n.CreatedAt)}, migration {n.Manifest!.Migration?.Version ?? "none"})") : "[red]none[/]");
        grid.AddRow("backups", Markup.Escape($"{s.BackupCount} complete, {Units.Bytes(s.BackupBytes)}{(s.IncompleteCount > 0 ? $", {s.IncompleteCount} incomplete" : "")} in {store.Root}"));
        grid.AddRow("free disk", Markup.Escape(Units.Bytes(s.FreeBytes)));
        var v = s.NewestVerified?.Manifest?.Verification;
        grid.AddRow("verified", v is null ? "never" : Markup.Escape($"{(v.Passed ? "passed" : "FAILED")} {Units.Age(now - v.At)}{(v.Deep ? " (deep)" : "")}: {s.NewestVerified!.Stem}"));
        console.Write(grid);
    }
}
