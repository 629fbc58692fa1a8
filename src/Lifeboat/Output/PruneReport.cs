using Lifeboat.Core.Retention;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>`lifeboat prune`: a line per backup deleted (or that would be), and a line per database.</summary>
public static class PruneReport
{
    public static void Write(IAnsiConsole console, PruneResult result)
    {
        foreach (var database in result.Databases)
        {
            foreach (var entry in database.Plan.Delete)
                console.WriteLine($"{(result.DryRun ? "would delete" : "deleting")} {entry.Stem} ({entry.State}, {entry.CreatedAt:yyyy-MM-dd HH:mm}): {string.Join(", ", entry.Files)}");
            if (database.Problem is not null)
                console.WriteLine($"{database.Database}: stopped after deleting {database.DeletedFiles.Count} files: {database.Problem}");
            console.WriteLine($"{database.Database}: {database.Plan.Delete.Count} to delete, {database.Plan.Keep.Count(e => e.IsComplete)} complete backups kept " +
                $"(older than {database.Plan.Cutoff:yyyy-MM-dd HH:mm} go, newest {Math.Max(1, result.Policy.KeepLast)} always stay)");
        }
        if (result.Databases.Count == 0)
            console.WriteLine("no backups in " + Markup.Escape(result.Location));
    }
}
