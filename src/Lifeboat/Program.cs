using System.CommandLine;
using Lifeboat.Cli.Commands;

var root = new RootCommand("lifeboat: back up and restore PostgreSQL databases, and prove that every backup restores.");
root.Subcommands.Add(BackupCommand.Create());
root.Subcommands.Add(RestoreCommand.Create());
root.Subcommands.Add(PruneCommand.Create());
return await CommandRunner.InvokeAsync(root, args);
