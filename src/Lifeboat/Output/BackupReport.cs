using Lifeboat.Core;
using Lifeboat.Core.Backup;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>What a user sees after a backup: size, duration, throughput, tables, migration version and path.</summary>
public static class BackupReport
{
    public static void Write(IAnsiConsole console, BackupResult result)
    {
        var m = result.Manifest;
        var duration = TimeSpan.FromSeconds(m.DurationSeconds);
        console.MarkupLine($"[green]Backup complete[/]: {Markup.Escape(result.ArchivePath)}");
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("database", Markup.Escape($"{m.Database} ({Units.Bytes(m.DatabaseSizeBytes)} on the server, PostgreSQL {m.ServerVersion})"));
        grid.AddRow("size", Markup.Escape($"{Units.Bytes(m.Archive.SizeBytes)} ({m.Archive.SizeBytes} bytes), {ListReport.Word(m.Format)} format, {ListReport.Word(m.Compression)}"));
        grid.AddRow("duration", Markup.Escape(Units.Duration(duration)));
        grid.AddRow("throughput", Markup.Escape($"{Units.Rate(m.DatabaseSizeBytes, duration)} of database, {Units.Rate(m.Archive.SizeBytes, duration)} written"));
        grid.AddRow("tables", Markup.Escape($"{m.TableCount} ({m.Tables.Sum(t => t.Rows)} rows)"));
        grid.AddRow("migration", Markup.Escape(m.Migration is null ? "no migration table found" : $"{m.Migration.Tool} {m.Migration.Version ?? "(empty)"}"));
        if (m.Label is not null)
            grid.AddRow("label", Markup.Escape(m.Label));
        grid.AddRow("manifest", Markup.Escape(result.ManifestPath));
        if (result.Pruned.Count > 0)
            grid.AddRow("rotation", Markup.Escape($"deleted {result.Pruned.Count} old files: {string.Join(", ", result.Pruned)}"));
        console.Write(grid);
    }
}
