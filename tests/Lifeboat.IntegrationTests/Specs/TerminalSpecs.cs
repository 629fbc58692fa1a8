using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>
/// Every input, every terminal: Ctrl-C at each prompt, a terminal closed at the confirmation, Esc and q in the list of
/// backups, an empty password, an 80-column terminal, and output redirected to a file; each run as a person (or a
/// script) runs the real CLI, and checked as they would check it.
/// </summary>
[Collection("postgres")]
public sealed class TerminalSpecs(ClusterFixture cluster)
{
    const string ListTitle = "Which backup should be restored?";
    const string Question = "to replace it";
    const int Narrow = 80;
    /// <summary>Well below System.CommandLine's 30 s after which it gives up on a command that ignores Ctrl-C.</summary>
    static readonly TimeSpan Promptly = TimeSpan.FromSeconds(10);

    PostgresServer Server => cluster.Server;

    // ---- Ctrl-C and a closed terminal at the prompts ----------------------------------------------------------------

    [Fact]
    public async Task Ctrl_C_at_the_restore_confirmation_exits_130_at_once_and_changes_nothing_and_leaves_nothing()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "term_cc_confirm");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(
            ["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--latest", "--jobs", "2"], ws.Env);
        await terminal.WaitForTextAsync(Question);
        // Nothing is decompressed before the confirmation: a user who says no, or closes the terminal, waits for nothing.
        Assert.Empty(ws.LeftoverCopies());
        await terminal.PressAsync("C-c");
        var exitCode = await terminal.WaitForExitAsync(Promptly);

        var screen = await terminal.ScreenAsync();
        Assert.True(exitCode == 130, screen);
        Assert.Contains("cancelled at the confirmation: nothing was changed", screen);
        Assert.Empty(ws.LeftoverCopies());
        Assert.Equal(before, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
        Assert.Single(ws.Backups()); // no safety backup was taken
    }

    [Fact]
    public async Task Closing_the_terminal_at_the_restore_confirmation_changes_nothing_and_leaves_nothing()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "term_hup_close");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(
            ["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--latest", "--jobs", "2"], ws.Env);
        await terminal.WaitForTextAsync(Question);
        // Nothing is decompressed before the confirmation: a user who says no, or closes the terminal, waits for nothing.
        Assert.Empty(ws.LeftoverCopies());
        var pid = await terminal.LifeboatPidAsync();
        await terminal.CloseAsync();
        await TmuxTerminal.WaitForProcessExitAsync(pid, Promptly);

        Assert.Empty(ws.LeftoverCopies());
        Assert.Empty(Directory.GetDirectories(ws.BackupDir, ".lifeboat-restore-*"));
        Assert.Equal(before, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
    }

    [Fact]
    public async Task SIGHUP_at_the_restore_confirmation_exits_129_with_the_line_saying_what_was_cleaned_up()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "term_hup_kill");
        await ws.BackupAsync();
        var before = await ws.FingerprintAsync();

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(
            ["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--latest", "--jobs", "2"], ws.Env);
        await terminal.WaitForTextAsync(Question);
        // Nothing is decompressed before the confirmation: a user who says no, or closes the terminal, waits for nothing.
        Assert.Empty(ws.LeftoverCopies());
        Assert.True(kill(await terminal.LifeboatPidAsync(), SIGHUP) == 0, $"kill(SIGHUP) failed: errno {Marshal.GetLastPInvokeError()}");
        var exitCode = await terminal.WaitForExitAsync(Promptly);

        var screen = await terminal.ScreenAsync();
        Assert.True(exitCode == 129, screen);
        Assert.Contains("cancelled at the confirmation: nothing was changed", screen);
        Assert.Empty(ws.LeftoverCopies());
        Assert.Equal(before, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
    }

    [Fact]
    public async Task SIGHUP_while_the_restore_works_removes_the_decompressed_copy_and_the_staging_database_and_changes_nothing()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "term_hup_work");
        await ws.BackupAsync();
        await ws.AddMarkerAsync("current");
        var before = await ws.FingerprintAsync();
        // Another session holds a table of the current database: the safety backup, the last step before the swap,
        // waits for it, with the decompressed copy and the staging database made.
        await using var holder = new Npgsql.NpgsqlConnection(Server.ConnectionString(ws.Database));
        await holder.OpenAsync();
        await using (var hold = new Npgsql.NpgsqlCommand("BEGIN; LOCK TABLE celestial_signs IN ACCESS EXCLUSIVE MODE", holder))
            await hold.ExecuteNonQueryAsync();

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(
            ["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--latest", "--force", "--jobs", "2"], ws.Env);
        await terminal.WaitForTextAsync("safety backup", TimeSpan.FromMinutes(2));
        await WaitForCopyAsync(ws);
        Assert.NotEmpty(await ws.ScratchDatabasesAsync());
        Assert.True(kill(await terminal.LifeboatPidAsync(), SIGHUP) == 0, $"kill(SIGHUP) failed: errno {Marshal.GetLastPInvokeError()}");
        var exitCode = await terminal.WaitForExitAsync(Promptly);
        await using (var release = new Npgsql.NpgsqlCommand("ROLLBACK", holder))
            await release.ExecuteNonQueryAsync();

        var screen = await terminal.ScreenAsync();
        Assert.True(exitCode == 129, screen);
        Assert.Contains("cancelled", screen);
        Assert.Empty(ws.LeftoverCopies());
        Assert.Empty(Directory.GetDirectories(ws.BackupDir, ".lifeboat-restore-*"));
        Assert.Empty(await ws.ScratchDatabasesAsync());
        Assert.Equal(before, await ws.FingerprintAsync());
    }

    [Fact]
    public async Task Ctrl_C_at_the_password_prompt_exits_130_at_once_and_no_backup_is_left()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "term_cc_pw");

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(ws.BackupArgs(), WithoutPassword(ws));
        await terminal.WaitForTextAsync("Password for");
        await terminal.PressAsync("C-c");
        var exitCode = await terminal.WaitForExitAsync(Promptly);

        var screen = await terminal.ScreenAsync();
        Assert.True(exitCode == 130, screen);
        Assert.Contains("cancelled at the password prompt: nothing was changed", screen);
        Assert.DoesNotContain("error:", screen);
        Assert.Empty(ws.Folder.CompleteStems());
    }

    [Fact]
    public async Task An_empty_password_typed_at_the_prompt_is_told_that_no_password_was_typed_not_to_run_in_a_terminal()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "term_empty_pw");

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(ws.BackupArgs(), WithoutPassword(ws));
        await terminal.WaitForTextAsync("Password for");
        await terminal.PressAsync("Enter");
        var exitCode = await terminal.WaitForExitAsync(Promptly);

        var screen = await terminal.ScreenAsync();
        Assert.True(exitCode == 3, screen);
        var error = Assert.Single(screen.Split('\n'), line => line.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("no password was typed", error);
        Assert.DoesNotContain("run in a terminal", screen);
        Assert.Empty(ws.Folder.CompleteStems());
    }

    [Fact]
    public async Task A_PGPASSFILE_that_does_not_exist_is_one_error_line_naming_it()
    {
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "term_no_passfile");
        var env = ws.Env;
        env.Remove("PGPASSWORD");
        var missing = ws.Folder.Sub("nowhere/pgpass");
        env["PGPASSFILE"] = missing;

        var result = await LifeboatCli.RunAsync(ws.BackupArgs(), env);

        Assert.True(result.ExitCode == 3, result.ToString());
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error:", error);
        Assert.Contains(missing, error);
        Assert.DoesNotContain("unexpected", error);
        Assert.Empty(ws.Folder.CompleteStems());
    }

    // ---- the list of backups: Ctrl-C, Esc, q ------------------------------------------------------------------------

    [Theory]
    [InlineData("C-c", 130)]
    [InlineData("Escape", 1)]
    [InlineData("q", 1)]
    public async Task Cancelling_the_list_of_backups_shows_the_cursor_again_and_says_nothing_was_changed(string key, int expectedExit)
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "term_pick_cancel");
        var only = await ws.BackupAsync();
        var before = await ws.FingerprintAsync();

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir], ws.Env);
        var list = await terminal.WaitForScreenAsync(screen => IsHighlighted(screen, only), "the list of backups");
        Assert.Contains("Esc or q cancels", list); // the title says how to get out
        Assert.False(await terminal.CursorVisibleAsync(), "the list hides the cursor while it is shown");
        await terminal.PressAsync(key);
        var exitCode = await terminal.WaitForExitAsync(Promptly);

        var screen = await terminal.ScreenAsync();
        Assert.True(exitCode == expectedExit, screen);
        // One line of its own (not run on after the list), as an error line when the person chose to cancel.
        Assert.Contains(Lines(screen), line => Regex.IsMatch(line, "^(error: restore of '[^']+' )?cancelled at the list of backups: nothing was changed"));
        Assert.True(await terminal.CursorVisibleAsync(), "the cursor is still hidden after the list was cancelled:\n" + screen);
        Assert.Equal(before, await ws.FingerprintAsync());
        Assert.Empty(await ws.ScratchDatabasesAsync());
    }

    // ---- narrow terminals and redirected output ---------------------------------------------------------------------

    [Fact]
    public async Task At_80_columns_the_list_of_backups_shows_each_backup_on_one_line()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "term_pick_narrow");
        var older = await ws.BackupAsync("--label", "before the upgrade");
        var newer = await ws.BackupAsync();

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(["restore", "-d", ws.Database, "--backup-dir", ws.BackupDir], ws.Env, Narrow);
        var screen = await terminal.WaitForScreenAsync(s => s.Contains(ListTitle, StringComparison.Ordinal) && IsHighlighted(s, newer), "the list of backups");

        AssertFits(screen, Narrow);
        foreach (var backup in new[] { older, newer })
        {
            // One line a backup, with what a user chooses by: when, the migration version, whether it was verified.
            var line = Assert.Single(Lines(screen), l => l.Contains(Shown(backup), StringComparison.Ordinal));
            Assert.Contains("6cdf0b06a3e9", line);
            Assert.Contains("not verified", line);
        }
        await terminal.PressAsync("Escape");
        Assert.Equal(1, await terminal.WaitForExitAsync(Promptly));
    }

    [Fact]
    public async Task At_80_columns_list_shows_each_backup_on_one_line_with_its_name_whole()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is needed to drive the CLI in a real terminal");
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "term_list_narrow");
        var names = await TwoBackupsAsync(ws);

        await using var terminal = await TmuxTerminal.StartLifeboatAsync(["list", "--backup-dir", ws.Folder.Path], ws.Env, Narrow);
        var exitCode = await terminal.WaitForExitAsync(Promptly);

        var screen = await terminal.ScreenAsync();
        Assert.True(exitCode == 0, screen);
        AssertFits(screen, Narrow);
        foreach (var name in names)
        {
            var line = Assert.Single(Lines(screen), l => l.Contains(name, StringComparison.Ordinal));
            Assert.Matches(@"\b(no|passed|FAILED)\b", line); // the verification is not cut off
        }
        Assert.Contains("2 complete backups", screen);
    }

    [Fact]
    public async Task List_redirected_to_a_file_is_one_plain_line_a_backup_without_trailing_spaces()
    {
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "term_list_file");
        var names = await TwoBackupsAsync(ws);

        var result = await LifeboatCli.RunAsync(["list", "--backup-dir", ws.Folder.Path], ws.Env);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StdOut.TrimEnd('\n').Split('\n');
        Assert.All(lines, line => Assert.False(line.EndsWith(' '), $"trailing spaces: '{line}'"));
        Assert.DoesNotContain(lines, line => line.IndexOfAny(['│', '─', '┌', '└', '|']) >= 0); // no table borders
        Assert.Equal(names.Count + 2, lines.Length); // a header, one line a backup, the summary
        Assert.StartsWith("name", lines[0]);
        foreach (var name in names)
        {
            var line = Assert.Single(lines, l => l.Contains(name, StringComparison.Ordinal));
            // awk '{print $1}' gives the name; the rest of the line says what the table says.
            Assert.Equal(name, line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
            Assert.Contains(ws.Database, line);
            Assert.Contains("custom/zstd", line);
        }
        Assert.Contains("with a label", lines.Single(l => l.Contains(names[0], StringComparison.Ordinal)));
        Assert.StartsWith("2 complete backups", lines[^1]);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    /// <summary>Two backups of the workspace's database, the first labelled; their archives' names, oldest first.</summary>
    static async Task<IReadOnlyList<string>> TwoBackupsAsync(BackupWorkspace ws)
    {
        var first = await ws.RunBackupAsync("--no-prune", "--label", "with a label");
        Assert.True(first.ExitCode == 0, first.ToString());
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // a backup's name has its second
        var second = await ws.RunBackupAsync("--no-prune");
        Assert.True(second.ExitCode == 0, second.ToString());
        var names = ws.Folder.CompleteStems().Select(stem => ManifestOnDisk.Read(ws.Folder.File(stem + ".json")).Archive.Name).ToList();
        Assert.Equal(2, names.Count);
        return names;
    }

    /// <summary>
    /// The connection without its password, and an empty password file (not the developer's ~/.pgpass): the server's
    /// question goes to the person. (The file is in the backup folder; a missing PGPASSFILE is another story.)
    /// </summary>
    static IDictionary<string, string> WithoutPassword(BackupWorkspace ws)
    {
        var env = ws.Env;
        env.Remove("PGPASSWORD");
        var empty = ws.Folder.File("empty.pgpass");
        File.WriteAllText(empty, "");
        File.SetUnixFileMode(empty, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        env["PGPASSFILE"] = empty;
        return env;
    }

    /// <summary>Waits for the restore's decompressed copy of the backup (made for pg_restore --jobs) to be there beside it.</summary>
    static async Task WaitForCopyAsync(RestoreWorkspace ws)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (ws.LeftoverCopies().Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the restore made no decompressed copy beside the backup");
            await Task.Delay(100);
        }
    }

    /// <summary>The screen's lines without trailing blanks (tmux's capture joins a wrapped line into one).</summary>
    static string[] Lines(string screen) => screen.Split('\n').Select(l => l.TrimEnd()).ToArray();

    /// <summary>No line was wrapped: each is as wide as the terminal at most.</summary>
    static void AssertFits(string screen, int width)
    {
        foreach (var line in Lines(screen))
            Assert.True(line.Length <= width, $"a line of {line.Length} columns in a {width}-column terminal (wrapped):\n{screen}");
    }

    static string Shown(BackupOnDisk backup) => backup.Manifest.StartedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The list shows each backup by its local start time; the selected line starts with "&gt;".</summary>
    static bool IsHighlighted(string screen, BackupOnDisk backup) =>
        screen.Split('\n').Any(line => line.Contains(Shown(backup), StringComparison.Ordinal) && line.TrimStart().StartsWith('>'));

    const int SIGHUP = 1;

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
}
