using Lifeboat.Core;
using Lifeboat.Core.Backup;
using Spectre.Console;

namespace Lifeboat.Cli.Console;

/// <summary>Bytes written and time elapsed on a terminal; nothing at all when output is redirected.</summary>
public static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(Terminal terminal, string title, Func<IProgress<BackupProgress>?, Task<T>> work)
    {
        if (!Terminal.IsInteractive)
            return await work(null);
        var started = DateTime.UtcNow;
        return await terminal.Out.Status().StartAsync($"{title}…", async ctx =>
        {
            var progress = new Progress<BackupProgress>(p =>
                ctx.Status($"{title}: {p.Phase}, {Units.Bytes(p.BytesWritten)} written, {Units.Duration(DateTime.UtcNow - started)} elapsed"));
            return await work(progress);
        });
    }
}
