using Lifeboat.Core;
using Lifeboat.Core.Catalog;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>
/// `lifeboat list`: name, database, date, age, format, size, label, migration, verification. A wide terminal gets a
/// table; a narrow one the columns that fit, one backup a line, the name never cut; redirected output (a file, a pipe)
/// plain aligned lines without trailing spaces, one backup a line, for grep and awk (--json for everything else).
/// </summary>
public static class ListReport
{
    private const string Gap = "  ";

    public static void Write(Terminal terminal, ListResult result)
    {
        var now = DateTimeOffset.Now;
        var rows = result.Backups.Select(b => Row.Of(b, now)).ToList();
        if (Terminal.IsOutputRedirected)
            foreach (var (line, _) in Lines(rows, Plain, cutAt: int.MaxValue))
                terminal.Line(line);
        else if (TableWidth(rows) <= terminal.Out.Profile.Width)
            WriteTable(terminal.Out, rows);
        else
            foreach (var (line, last) in Lines(rows, Narrow(rows, terminal.Out.Profile.Width), terminal.Out.Profile.Width))
                terminal.Out.MarkupLine(Markup.Escape(line[..last]) + Colour(line[last..]));
        var complete = result.Complete.ToList();
        var summary = $"{complete.Count} complete backup{(complete.Count == 1 ? "" : "s")}, {Units.Bytes(complete.Sum(b => b.Entry.Manifest!.TotalSizeBytes))} in all; " +
            $"{result.Backups.Count - complete.Count} incomplete; {(result.FreeBytes is { } free ? Units.Bytes(free) : "?")} free in {result.Location}";
        if (Terminal.IsOutputRedirected)
            terminal.Line(summary);
        else
            terminal.Out.WriteLine(summary);
    }

    /// <summary>An enum as the manifest writes it ("custom", "zstd").</summary>
    public static string Word<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>The columns, in the order they are shown.</summary>
    private enum Column { Name, Database, Date, Age, Format, Size, Label, Migration, Verified }

    private static readonly Column[] All = Enum.GetValues<Column>();

    /// <summary>Redirected: no age (the date says it, and the same backups give the same lines from one run to the next).</summary>
    private static readonly Column[] Plain = All.Where(c => c != Column.Age).ToArray();

    /// <summary>What a narrow terminal gives up first: the name is in every layout, and the verification (shortened) too.</summary>
    private static readonly Column[] DropOrder = [Column.Database, Column.Date, Column.Format, Column.Label, Column.Migration, Column.Age, Column.Size];

    /// <summary>One backup's cells as plain text; <see cref="Short"/> is the verification in a word or two, for narrow terminals.</summary>
    private sealed record Row(string[] Cells, string Short)
    {
        public string this[Column c] => Cells[(int)c];

        public static Row Of(ListedBackup listed, DateTimeOffset now)
        {
            var e = listed.Entry;
            var m = e.Manifest;
            var date = e.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            var age = Units.Age(now - e.CreatedAt);
            if (m is null)
                return new Row([e.Stem, e.Database, date, age, "-", Units.Bytes(listed.SizeBytes), "-", "-", e.Describe()], "INCOMPLETE");
            var v = m.Verification;
            var verified = v is null ? "no"
                : $"{(v.Passed ? "passed" : "FAILED")} {v.At.ToLocalTime():yyyy-MM-dd HH:mm}{(v.Passed && v.Deep ? " (deep)" : "")}";
            var shortVerified = v is null ? "no" : !v.Passed ? "FAILED" : v.Deep ? "passed (deep)" : "passed";
            return new Row([m.Archive.Name, e.Database, date, age, $"{Word(m.Format)}/{Word(m.Compression)}", Units.Bytes(m.Archive.SizeBytes),
                m.Label ?? "-", m.Migration?.Version ?? "-", verified], shortVerified);
        }
    }

    private static int TableWidth(List<Row> rows) => All.Sum(c => Width(rows, c, narrow: false) + 3) + 1;

    private static int Width(List<Row> rows, Column c, bool narrow) =>
        rows.Select(r => (narrow && c == Column.Verified ? r.Short : r[c]).Length).Append(Header(c).Length).Max();

    private static string Header(Column c) => c.ToString().ToLowerInvariant();

    /// <summary>The columns that fit in <paramref name="width"/>: all but the first ones of <see cref="DropOrder"/>.</summary>
    private static Column[] Narrow(List<Row> rows, int width)
    {
        var shown = All.ToList();
        foreach (var drop in DropOrder)
        {
            if (shown.Sum(c => Width(rows, c, narrow: true)) + Gap.Length * (shown.Count - 1) < width)
                break;
            shown.Remove(drop);
        }
        return shown.ToArray();
    }

    /// <summary>
    /// The header and one line a backup, columns aligned and separated by two spaces, nothing after the last cell, and
    /// where that last cell starts (to colour it). A line reaches <paramref name="cutAt"/> columns only when the name
    /// alone does: else it is cut there with "…" (the name, first, is never cut).
    /// </summary>
    private static IEnumerable<(string Line, int LastCell)> Lines(List<Row> rows, Column[] columns, int cutAt)
    {
        var narrow = cutAt != int.MaxValue;
        var widths = columns.Select(c => Width(rows, c, narrow)).ToArray();
        (string, int) Line(Func<Column, string> cell)
        {
            var start = string.Concat(columns[..^1].Select((c, i) => cell(c).PadRight(widths[i]) + Gap));
            var text = (start + cell(columns[^1])).TrimEnd();
            if (text.Length >= cutAt)
                text = BackupPicker.Cut(text, Math.Max(cutAt - 1, widths[0]));
            return (text, Math.Min(start.Length, text.Length));
        }
        yield return Line(Header);
        foreach (var row in rows)
            yield return Line(c => narrow && c == Column.Verified ? row.Short : row[c]);
    }

    private static void WriteTable(IAnsiConsole console, List<Row> rows)
    {
        var table = new Table().AddColumns(All.Select(Header).ToArray());
        foreach (var row in rows)
            table.AddRow(All.Select(c => c == Column.Verified ? Colour(row[c]) : Markup.Escape(row[c])).ToArray());
        console.Write(table);
    }

    /// <summary>A line or cell as markup: "passed" green, "FAILED" and an incomplete backup red.</summary>
    private static string Colour(string text) => Markup.Escape(text)
        .Replace("passed", "[green]passed[/]", StringComparison.Ordinal)
        .Replace("FAILED", "[red]FAILED[/]", StringComparison.Ordinal)
        .Replace("INCOMPLETE", "[red]INCOMPLETE[/]", StringComparison.Ordinal);
}
