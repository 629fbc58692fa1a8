using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Core.Monitoring;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat status`: the database's size and migration version next to its newest backup and verification.</summary>
public static class StatusCommand
{
    public static Command Create(CliServices services)
    {
        var connection = new CommonOptions.Connection();
        var backupDir = CommonOptions.BackupDir();
        var json = CommonOptions.Json();
        var command = new Command("status", "The database and its backups at a glance");
        connection.AddTo(command);
        command.Options.Add(backupDir);
        command.Options.Add(json);

        command.SetAction((parse, ct) => CommandRunner.Guard(services.Terminal, async () =>
        {
            var terminal = services.Terminal;
            var status = await new StatusService(services.Stores, terminal.PasswordPrompt)
                .StatusAsync(new StatusRequest(connection.Resolve(parse), parse.GetValue(backupDir)!), ct);
            terminal.Result(parse.GetValue(json), StatusJson.From(status, services.Clock.GetLocalNow()), CliJson.Default.StatusJson,
                console => StatusReport.Write(console, status));
            return 0;
        }));
        return command;
    }
}
