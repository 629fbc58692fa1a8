using System.CommandLine;
using System.Text.Json;
using Lifeboat.Cli.Console;
using Lifeboat.Core;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Restore;
using Lifeboat.Core.Storage;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat list`: the backups in the folder, incomplete ones shown as such; --json for scripts.</summary>
public static class ListCommand
{
    public static Command Create()
    {
        var dbname = CommonOptions.Dbname();
        var backupDir = CommonOptions.BackupDir();
        var json = CommonOptions.Json();
        var command = new Command("list", "List the backups in the folder: date, age, size, format, label, migration version, verification");
        foreach (var option in new Option[] { dbname, backupDir, json })
            command.Options.Add(option);

        command.SetAction((parse, ct) => CommandRunner.Guard(() =>
        {
            var store = new LocalFolderStore(parse.GetValue(backupDir)!);
            store.EnsureReadable();
            var entries = BackupCatalog.Scan(store, parse.GetValue(dbname));
            if (parse.GetValue(json))
                System.Console.Out.WriteLine(JsonSerializer.Serialize(entries.Select(e => ToJson(store, e)).ToList(), CliJson.Default.ListEntryJsonArray));
            else
                WriteTable(Terminal.Instance.Out, store, entries);
            return Task.FromResult(0);
        }));
        return command;
    }

    private static ListEntryJson ToJson(LocalFolderStore store, CatalogEntry e)
    {
        var m = e.Manifest;
        return new ListEntryJson(
            Path: store.PathOf(m?.Archive.Name ?? e.Files[0]),
            Stem: e.Stem,
            Database: e.Database,
            State: e.State.ToString().ToLowerInvariant(),
            CreatedAt: e.CreatedAt,
            SizeBytes: m?.Archive.SizeBytes ?? e.Files.Sum(f => new FileInfo(store.PathOf(f)).Length),
            Sha256: m?.Archive.Sha256,
            Format: m?.Format,
            Compression: m?.Compression,
            Label: m?.Label,
            MigrationVersion: m?.Migration?.Version,
            TableCount: m?.TableCount,
            Verified: m?.Verification,
            Files: e.Files);
    }

    private static void WriteTable(IAnsiConsole console, LocalFolderStore store, IReadOnlyList<CatalogEntry> entries)
    {
        var now = DateTimeOffset.Now;
        var table = new Table().AddColumns("name", "database", "date", "age", "format", "size", "label", "migration", "verified");
        foreach (var e in entries)
        {
            var m = e.Manifest;
            if (m is null)
            {
                table.AddRow(Markup.Escape(e.Stem), Markup.Escape(e.Database), e.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"), Units.Age(now - e.CreatedAt),
                    "", Units.Bytes(e.Files.Sum(f => new FileInfo(store.PathOf(f)).Length)), "", "", $"[red]{Markup.Escape(BackupSelector.Describe(e.State))}[/]");
                continue;
            }
            var verified = m.Verification is null ? "no"
                : m.Verification.Passed ? $"[green]passed[/] {m.Verification.At.ToLocalTime():yyyy-MM-dd HH:mm}{(m.Verification.Deep ? " (deep)" : "")}"
                : $"[red]FAILED[/] {m.Verification.At.ToLocalTime():yyyy-MM-dd HH:mm}";
            table.AddRow(Markup.Escape(m.Archive.Name), Markup.Escape(e.Database), e.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"), Units.Age(now - e.CreatedAt),
                $"{m.Format}/{m.Compression}", Units.Bytes(m.Archive.SizeBytes), Markup.Escape(m.Label ?? ""), Markup.Escape(m.Migration?.Version ?? "-"), verified);
        }
        console.Write(table);
        var complete = entries.Where(e => e.IsComplete).ToList();
        console.WriteLine($"{complete.Count} complete backup{(complete.Count == 1 ? "" : "s")}, {Units.Bytes(complete.Sum(e => e.Manifest!.TotalSizeBytes))} in all; " +
            $"{entries.Count - complete.Count} incomplete; {Units.Bytes(store.FreeBytes())} free in {store.Root}");
    }
}
