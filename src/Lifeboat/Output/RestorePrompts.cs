using Lifeboat.Core;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Catalog;
using Lifeboat.Core.Restore;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>
/// A restore's questions at the terminal: which backup (an arrow-key list), and, showing what will be replaced, the
/// database's name to go on (--force skips that question). Without a terminal each refuses in one line; Ctrl-C (or
/// SIGTERM, SIGHUP) while either waits cancels the restore before anything was changed.
/// </summary>
public sealed class RestorePrompts(Terminal terminal, bool force) : IRestorePrompts
{
    public Task<CatalogEntry> PickAsync(IReadOnlyList<CatalogEntry> backups, CancellationToken ct)
    {
        if (!Terminal.IsInteractive)
            throw new LifeboatException("unable to choose a backup: no --file, --latest or --at was given and there is no terminal to ask",
                "add --latest, --at TIME or --file NAME", ExitCodes.Usage);
        return BackupPicker.PickAsync(terminal, backups, ct);
    }

    public async Task<bool> ConfirmAsync(RestoreSummary s, CancellationToken ct)
    {
        if (force)
            return true;
        if (!Terminal.IsInteractive)
            throw new LifeboatException($"unable to replace database '{s.Target}' without confirmation: there is no terminal to ask",
                "add --force to restore without asking (nothing was changed)", ExitCodes.Usage);
        var console = terminal.Out;
        var table = new Table().AddColumns("", "now (will be replaced)", "from the backup");
        table.AddRow("database", Markup.Escape(s.Target), Markup.Escape(s.BackupName));
        table.AddRow("size", Markup.Escape(s.TargetSizeBytes is { } size ? Units.Bytes(size) : "?"), Markup.Escape(Units.Bytes(s.BackupSizeBytes) + " (compressed)"));
        table.AddRow("migration", Markup.Escape(s.TargetMigrationVersion ?? "unknown"), Markup.Escape(s.BackupMigrationVersion ?? "none"));
        table.AddRow("date", "", Markup.Escape($"{s.BackupTakenAt.ToLocalTime():yyyy-MM-dd HH:mm:ss} ({Units.Age(DateTimeOffset.Now - s.BackupTakenAt)}){(s.Label is null ? "" : ", label " + s.Label)}"));
        table.AddRow("verified", "", Markup.Escape(s.LastVerification is not { } v ? "never (`lifeboat verify --deep` proves a backup)"
            : $"{(v.Passed ? "passed" : "FAILED")} {v.At.ToLocalTime():yyyy-MM-dd HH:mm}{(v.Deep ? " (deep)" : "")}"));
        console.Write(table);
        console.MarkupLine($"The restore goes into a new database first; [bold]{Markup.Escape(s.Target)}[/] is replaced only after it is verified"
            + (s.SafetyBackup ? ", and a safety backup of it is taken first." : ". [yellow]No safety backup is taken (--no-safety-backup).[/]"));
        var question = new TextPrompt<string>($"Type [bold]{Markup.Escape(s.Target)}[/] to replace it (anything else cancels):").AllowEmpty();
        try
        {
            var answer = await question.ShowAsync(new PromptConsole(console), ct);
            return answer.Trim() == s.Target;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Terminal.Quietly(() => console.WriteLine());
            throw new PromptCancelledException("confirmation");
        }
    }
}
