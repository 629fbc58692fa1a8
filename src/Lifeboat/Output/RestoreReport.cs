using Lifeboat.Core;
using Lifeboat.Core.Restore;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>What a user sees after a restore.</summary>
public static class RestoreReport
{
    public static void Write(IAnsiConsole console, RestoreResult r)
    {
        console.MarkupLine($"[green]Restore complete[/]: database [bold]{Markup.Escape(r.Database)}[/] from {Markup.Escape(r.BackupName)}");
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("duration", Markup.Escape(Units.Duration(r.Duration)));
        grid.AddRow("tables", Markup.Escape($"{r.Tables} ({r.Rows} rows)"));
        grid.AddRow("migration", Markup.Escape(r.MigrationVersion ?? "none"));
        grid.AddRow("verification", "passed: tables, row counts and migration version equal the backup's manifest");
        grid.AddRow("statistics", Markup.Escape(Statistics(r.Analyzed)));
        if (r.SafetyBackup is not null)
            grid.AddRow("safety backup", Markup.Escape($"{r.SafetyBackup} (the replaced database; restoring it undoes this restore)"));
        if (r.EndedSessions > 0)
            grid.AddRow("sessions ended", Markup.Escape($"{r.EndedSessions} on the replaced database (its clients reconnect to the restored one)"));
        if (r.KeptOldDatabase is not null)
            grid.AddRow("previous database", Markup.Escape($"kept as {r.KeptOldDatabase}"));
        if (r.CreatedRoles.Count > 0)
            grid.AddRow("created roles", Markup.Escape(CreatedRoles(r)));
        foreach (var warning in r.Warnings)
            grid.AddRow("warning", Markup.Escape(warning));
        if (r.LogPath is not null)
            grid.AddRow("log", Markup.Escape(r.LogPath));
        console.Write(grid);
    }

    /// <summary>What the summary says of the analyze, e.g. "analyzed in 0.8 s (vacuumdb --analyze-only, 2 jobs)".</summary>
    public static string Statistics(AnalyzeOutcome? analyzed) => analyzed is null
        ? "not analyzed (--no-analyze): run ANALYZE or wait for autovacuum"
        : $"analyzed in {Units.Duration(analyzed.Duration)} (vacuumdb --analyze-only, {Lifeboat.Core.Staging.StatisticsAnalyzer.Jobs(analyzed.Jobs)})";

    /// <summary>Each created role with whether its saved password came back, e.g. "app (password restored), readers (no password yet)".</summary>
    public static string CreatedRoles(RestoreResult r)
    {
        var roles = string.Join(", ", r.CreatedRoles.Select(role => $"{role} ({(r.RolesWithPasswords.Contains(role) ? "password restored" : "no password yet")})"));
        return r.RolesWithPasswords.Count < r.CreatedRoles.Count ? roles + "; set the missing passwords with ALTER ROLE … PASSWORD" : roles;
    }
}
