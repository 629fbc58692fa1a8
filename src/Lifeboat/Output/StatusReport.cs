using Lifeboat.Core;
using Lifeboat.Core.Monitoring;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>`lifeboat status` as a grid.</summary>
public static class StatusReport
{
    public static void Write(IAnsiConsole console, DatabaseStatus s)
    {
        var now = DateTimeOffset.Now;
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("database", Markup.Escape(s.Database));
        grid.AddRow("size", s.ServerProblem is null ? Markup.Escape(Units.Bytes(s.SizeBytes ?? 0)) : $"[red]unavailable[/]: {Markup.Escape(s.ServerProblem)}");
        grid.AddRow("migration", Markup.Escape(s.MigrationVersion ?? (s.ServerProblem is null ? "none" : "?")));
        grid.AddRow("newest backup", s.NewestBackup is { } n ? Markup.Escape($"{n.ArchiveName} ({Units.Age(now - n.CreatedAt)}, migration {n.Manifest!.Migration?.Version ?? "none"})") : "[red]none[/]");
        grid.AddRow("backups", Markup.Escape($"{s.BackupCount} complete, {Units.Bytes(s.BackupBytes)}{(s.IncompleteCount > 0 ? $", {s.IncompleteCount} incomplete" : "")} in {s.Location}"));
        grid.AddRow("free disk", Markup.Escape(s.FreeBytes is { } free ? Units.Bytes(free) : "?"));
        var v = s.NewestVerified?.Manifest?.Verification;
        grid.AddRow("verified", v is null ? "never" : Markup.Escape($"{(v.Passed ? "passed" : "FAILED")} {Units.Age(now - v.At)}{(v.Deep ? " (deep)" : "")}: {s.NewestVerified!.Stem}"));
        console.Write(grid);
    }
}
