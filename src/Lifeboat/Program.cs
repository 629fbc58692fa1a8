using System.CommandLine;
using Lifeboat.Cli.Commands;

Lifeboat.Core.Storage.PrivateUmask.Apply();
var root = new RootCommand("lifeboat: back up and restore PostgreSQL databases, and prove that every backup restores.");
root.Subcommands.Add(BackupCommand.Create());
root.Subcommands.Add(RestoreCommand.Create());
root.Subcommands.Add(PruneCommand.Create());
root.Subcommands.Add(ListCommand.Create());
root.Subcommands.Add(VerifyCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
// -h is --host, as in psql and pg_dump; help stays on -? and --help.
foreach (var help in root.Options.OfType<System.CommandLine.Help.HelpOption>())
    help.Aliases.Remove("-h");
return await CommandRunner.InvokeAsync(root, args);
