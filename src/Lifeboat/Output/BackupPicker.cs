using Lifeboat.Core;
using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>
/// The interactive list of a database's backups, newest first: arrow keys and Enter pick one; Esc or q cancels,
/// and so does Ctrl-C. Each backup is one line at any width: a narrow terminal gets fewer columns, never a wrapped line.
/// </summary>
public static class BackupPicker
{
    public const string Title = "Which backup should be restored? (arrow keys, Enter; Esc or q cancels)";

    /// <summary>The "&gt; " before each choice and a column to spare, so a line never reaches the terminal's edge.</summary>
    private const int ChoiceMargin = 3;

    public static async Task<CatalogEntry> PickAsync(Terminal terminal, IReadOnlyList<CatalogEntry> backups, CancellationToken ct)
    {
        var now = DateTimeOffset.Now;
        var width = Math.Max(20, terminal.Out.Profile.Width - ChoiceMargin);
        var database = backups[0].Database;
        var prompt = new SelectionPrompt<CatalogEntry>()
            .Title(Markup.Escape(Title))
            .PageSize(12)
            .MoreChoicesText("(more backups below)")
            .UseConverter(e => Markup.Escape(Describe(e, now, width)))
            .AddCancelResult(() => throw new LifeboatException($"restore of '{database}' cancelled at the list of backups: nothing was changed",
                null, ExitCodes.Failure))
            .AddChoices(backups);
        // "q" is Esc here: the picker has no search for it to type into.
        var console = new PromptConsole(terminal.Out, key => key.KeyChar is 'q' or 'Q' ? new ConsoleKeyInfo('\u001b', ConsoleKey.Escape, false, false, false) : key);
        try
        {
            return await prompt.ShowAsync(console, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Terminal.Quietly(() => terminal.Out.WriteLine()); // the list stays on the screen; the line saying so goes below it
            throw new PromptCancelledException("list of backups");
        }
        finally
        {
            // Spectre shows the cursor again only after a choice: not when Esc, q or Ctrl-C ends the list.
            Terminal.Quietly(() => terminal.Out.Cursor.Show());
        }
    }

    /// <summary>One backup as the list shows it, in at most <paramref name="width"/> columns (fewer columns first, then cut with "…").</summary>
    public static string Describe(CatalogEntry e, DateTimeOffset now, int width = int.MaxValue)
    {
        var m = e.Manifest!;
        var verified = m.Verification is null ? "not verified" : m.Verification.Passed ? $"verified {m.Verification.At.ToLocalTime():yyyy-MM-dd}" : "verification FAILED";
        var date = $"{e.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}";
        var migration = m.Migration?.Version ?? "-";
        var full = $"{date}  {Units.Age(now - e.CreatedAt),-14} {Units.Bytes(m.Archive.SizeBytes),9}  {ListReport.Word(m.Format),-6}  " +
                   $"{migration,-14} {(m.Label ?? ""),-12} {verified}";
        if (full.Length <= width)
            return full;
        // Narrow: the date already says how old it is; the label, free text, goes last.
        var compact = $"{date}  {Units.Bytes(m.Archive.SizeBytes),9}  {ListReport.Word(m.Format),-6}  {migration,-12}  {verified}" +
                      (m.Label is null ? "" : "  " + m.Label);
        return Cut(compact, width);
    }

    /// <summary><paramref name="text"/> in at most <paramref name="width"/> characters, ending in "…" when cut.</summary>
    public static string Cut(string text, int width) => text.Length <= width ? text : text[..Math.Max(0, width - 1)] + "…";
}
