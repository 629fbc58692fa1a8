using System.Globalization;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>The restore as a person at a terminal sees it: the list of backups, arrow keys, and typing the database name.</summary>
[Collection("postgres")]
public sealed class InteractiveRestoreSpecs(ClusterFixture cluster)
{
    const string ListTitle = "Which backup should be restored?";
    static readonly TimeSpan RestoreTimeout = TimeSpan.FromMinutes(2);

    PostgresServer Server => cluster.Server;

    [Fact]
    public async Task In_a_terminal_the_user_picks_the_second_newest_backup_from_the_list_and_a_new_target_is_restored_without_a_question()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ri_pick");
        await ws.AddMarkerAsync("1");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("2");
        var second = await ws.BackupAsync();
        await ws.AddMarkerAsync("3");
        var newest = await ws.BackupAsync();
        var target = ws.OtherDatabaseName("picked");

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(
            ["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--target-db", target], ws.Env);
        // The list opens on the newest backup.
        var list = await terminal.WaitForScreenAsync(screen => screen.Contains(ListTitle, StringComparison.Ordinal) && IsHighlighted(screen, newest),
            "the list of backups with the newest selected");
        Assert.Contains(second.Manifest.StartedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), list);
        // Each line says what a user chooses by: migration version, format and whether it was ever verified.
        Assert.Contains("6cdf0b06a3e9", list);
        Assert.Contains("custom", list);
        Assert.Contains("not verified", list);
        await terminal.PressAsync("Down");
        await terminal.WaitForScreenAsync(screen => IsHighlighted(screen, second), "the second-newest backup selected");
        await terminal.PressAsync("Enter");
        var exitCode = await terminal.WaitForExitAsync(RestoreTimeout);

        var screen = await terminal.ScreenAsync();
        Assert.True(exitCode == 0, screen);
        Assert.DoesNotContain("to replace it", screen); // a database that does not exist replaces nothing: no question
        Assert.Contains("Restore complete", screen);
        Assert.Equal("1,2", await ws.MarkersAsync(target));
        Assert.Equal("1,2,3", await ws.MarkersAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync(target));
    }

    [Fact]
    public async Task In_a_terminal_replacing_an_existing_database_asks_for_its_name_and_goes_ahead_when_it_is_typed()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ri_confirm");
        await ws.AddMarkerAsync("1");
        var older = await ws.BackupAsync();
        await ws.AddMarkerAsync("2");
        var newer = await ws.BackupAsync();
        var target = ws.OtherDatabaseName("existing");
        await Server.ExecuteAsync("postgres", $"CREATE DATABASE \"{target}\" TEMPLATE {PostgresServer.TemplateDatabase}");
        await ws.AddMarkerAsync("existing-only", target);

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(
            ["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--target-db", target, "--no-safety-backup"], ws.Env);
        await terminal.WaitForScreenAsync(screen => screen.Contains(ListTitle, StringComparison.Ordinal) && IsHighlighted(screen, newer),
            "the list of backups with the newest selected");
        await terminal.PressAsync("Down");
        await terminal.WaitForScreenAsync(screen => IsHighlighted(screen, older), "the second-newest backup selected");
        await terminal.PressAsync("Enter");
        var question = await terminal.WaitForTextAsync("to replace it");
        Assert.Contains(target, question);
        Assert.Contains(older.Stem, question); // the summary names the backup that will replace it
        Assert.Contains("6cdf0b06a3e9", question); // the migration versions, now and in the backup, side by side
        Assert.Contains("never", question); // the backup was never verified, and the summary says so
        Assert.Contains("No safety backup", question); // --no-safety-backup: it must not promise one
        Assert.Equal("existing-only", await ws.MarkersAsync(target)); // nothing happens while it waits for the answer
        await terminal.TypeAsync(target);
        await terminal.PressAsync("Enter");
        var exitCode = await terminal.WaitForExitAsync(RestoreTimeout);

        var screen = await terminal.ScreenAsync();
        Assert.True(exitCode == 0, screen);
        Assert.Equal("1", await ws.MarkersAsync(target));
        Assert.Empty(await ws.ScratchDatabasesAsync(target));
    }

    [Fact]
    public async Task In_a_terminal_typing_anything_but_the_database_name_cancels_and_nothing_changes()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ri_cancel");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(
            ["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--latest"], ws.Env);
        await terminal.WaitForTextAsync("to replace it");
        await terminal.TypeAsync("yes");
        await terminal.PressAsync("Enter");
        var exitCode = await terminal.WaitForExitAsync(RestoreTimeout);

        var screen = await terminal.ScreenAsync();
        Assert.True(exitCode == 1, screen);
        Assert.Contains("cancelled", screen);
        Assert.Equal(before, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
        Assert.Single(ws.Backups()); // no safety backup either
    }

    [Fact]
    public async Task In_a_terminal_with_NO_COLOR_set_the_list_of_backups_still_works()
    {
        // NO_COLOR (no-color.org) asks for no colours; it does not make the terminal any less of a terminal.
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "ri_nocolor");
        var only = await ws.BackupAsync();
        var target = ws.OtherDatabaseName("nocolor");
        var env = new Dictionary<string, string>(ws.Env) { ["NO_COLOR"] = "1" };

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(
            ["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--target-db", target], env);
        await terminal.WaitForScreenAsync(screen => IsHighlighted(screen, only), "the list of backups");
        await terminal.PressAsync("Enter");
        var exitCode = await terminal.WaitForExitAsync(RestoreTimeout);

        Assert.True(exitCode == 0, await terminal.ScreenAsync());
        Assert.True(await ws.DatabaseExistsAsync(target));
    }

    /// <summary>The list shows each backup by its local start time; the selected line starts with "&gt;".</summary>
    static bool IsHighlighted(string screen, BackupOnDisk backup)
    {
        var shown = backup.Manifest.StartedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return screen.Split('\n').Any(line => line.Contains(shown, StringComparison.Ordinal) && line.TrimStart().StartsWith('>'));
    }
}
