using Lifeboat.Cli.Output;
using Lifeboat.Core.Storage;

namespace Lifeboat.Cli.Commands;

/// <summary>What every command's service is built from: the stores, the terminal (prompts, output) and the clock.</summary>
public sealed record CliServices(IBackupStores Stores, Terminal Terminal, TimeProvider Clock)
{
    public static CliServices Default { get; } = new(new BackupStores(), Terminal.Instance, TimeProvider.System);
}
