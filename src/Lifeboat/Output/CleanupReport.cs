using Lifeboat.Core;
using Lifeboat.Core.Staging;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>`lifeboat cleanup`: each leftover, whether its run is gone, and what was (or would be) removed.</summary>
public static class CleanupReport
{
    public static void Write(IAnsiConsole console, CleanupResult result)
    {
        foreach (var item in result.Items)
        {
            var what = item.Kind switch
            {
                CleanupItemKind.ScratchDatabase => "scratch database",
                CleanupItemKind.ReplacedDatabase => "replaced database",
                _ => "decompressed copy",
            };
            var verb = !item.Dead ? "keeping" : item.Removed ? (item.Kind == CleanupItemKind.DecompressedCopy ? "removed" : "dropped") : result.DryRun ? "would remove" : "could not remove";
            console.WriteLine($"{verb} {what} {item.Name} ({Units.Bytes(item.SizeBytes)}): {item.Why}");
        }
        var dead = result.Items.Count(i => i.Dead);
        console.WriteLine(result.Items.Count == 0 ? "nothing left behind by killed runs"
            : $"{dead} left behind by runs that are gone{(result.DryRun ? " (dry run: nothing removed)" : $", {result.Items.Count(i => i.Removed)} removed")}; {result.Items.Count - dead} in use");
    }
}
