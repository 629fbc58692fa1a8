using System.CommandLine;
using Lifeboat.Cli.Commands;

Lifeboat.Core.Storage.PrivateUmask.Apply();
var services = CliServices.Default;
var root = new RootCommand("lifeboat: back up and restore PostgreSQL databases, and prove that every backup restores.");
root.Subcommands.Add(BackupCommand.Create(services));
root.Subcommands.Add(RestoreCommand.Create(services));
root.Subcommands.Add(PruneCommand.Create(services));
root.Subcommands.Add(ListCommand.Create(services));
root.Subcommands.Add(VerifyCommand.Create(services));
root.Subcommands.Add(StatusCommand.Create(services));
root.Subcommands.Add(CheckCommand.Create(services));
root.Subcommands.Add(CleanupCommand.Create(services));
HelpLayout.Apply(root);
return await CommandRunner.InvokeAsync(root, services.Terminal, args);
