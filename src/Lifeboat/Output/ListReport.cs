using Lifeboat.Core;
using Lifeboat.Core.Catalog;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>`lifeboat list` as a table: name, database, date, age, format, size, label, migration, verification.</summary>
public static class ListReport
{
    public static void Write(IAnsiConsole console, ListResult result)
    {
        var now = DateTimeOffset.Now;
        var table = new Table().AddColumns("name", "database", "date", "age", "format", "size", "label", "migration", "verified");
        foreach (var listed in result.Backups)
        {
            var e = listed.Entry;
            var m = e.Manifest;
            var date = e.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            if (m is null)
            {
                table.AddRow(Markup.Escape(e.Stem), Markup.Escape(e.Database), date, Units.Age(now - e.CreatedAt),
                    "", Units.Bytes(listed.SizeBytes), "", "", $"[red]{Markup.Escape(e.Describe())}[/]");
                continue;
            }
            var verified = m.Verification is null ? "no"
                : m.Verification.Passed ? $"[green]passed[/] {m.Verification.At.ToLocalTime():yyyy-MM-dd HH:mm}{(m.Verification.Deep ? " (deep)" : "")}"
                : $"[red]FAILED[/] {m.Verification.At.ToLocalTime():yyyy-MM-dd HH:mm}";
            table.AddRow(Markup.Escape(m.Archive.Name), Markup.Escape(e.Database), date, Units.Age(now - e.CreatedAt),
                $"{Word(m.Format)}/{Word(m.Compression)}", Units.Bytes(m.Archive.SizeBytes), Markup.Escape(m.Label ?? ""), Markup.Escape(m.Migration?.Version ?? "-"), verified);
        }
        console.Write(table);
        var complete = result.Complete.ToList();
        console.WriteLine($"{complete.Count} complete backup{(complete.Count == 1 ? "" : "s")}, {Units.Bytes(complete.Sum(b => b.Entry.Manifest!.TotalSizeBytes))} in all; " +
            $"{result.Backups.Count - complete.Count} incomplete; {(result.FreeBytes is { } free ? Units.Bytes(free) : "?")} free in {result.Location}");
    }

    /// <summary>An enum as the manifest writes it ("custom", "zstd").</summary>
    public static string Word<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
