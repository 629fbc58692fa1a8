using Lifeboat.Core;
using Lifeboat.Core.Catalog;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>The interactive list of a database's backups, newest first: arrow keys and Enter pick one.</summary>
public static class BackupPicker
{
    public static CatalogEntry Pick(Terminal terminal, IReadOnlyList<CatalogEntry> backups)
    {
        var now = DateTimeOffset.Now;
        return terminal.Out.Prompt(new SelectionPrompt<CatalogEntry>()
            .Title("Which backup should be restored? (arrow keys, Enter)")
            .PageSize(12)
            .MoreChoicesText("(more backups below)")
            .UseConverter(e => Markup.Escape(Describe(e, now)))
            .AddChoices(backups));
    }

    public static string Describe(CatalogEntry e, DateTimeOffset now)
    {
        var m = e.Manifest!;
        var verified = m.Verification is null ? "not verified" : m.Verification.Passed ? $"verified {m.Verification.At.ToLocalTime():yyyy-MM-dd}" : "verification FAILED";
        return $"{e.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {Units.Age(now - e.CreatedAt),-14} {Units.Bytes(m.Archive.SizeBytes),9}  {ListReport.Word(m.Format),-6}  " +
               $"{m.Migration?.Version ?? "-",-14} {(m.Label ?? ""),-12} {verified}";
    }
}
