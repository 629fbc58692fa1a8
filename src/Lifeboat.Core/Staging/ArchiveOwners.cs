using System.Text;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Pipeline;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Staging;

/// <summary>
/// What restoring a backup needs beyond its extensions: the roles it makes owners of its objects (what `ALTER … OWNER
/// TO` the restore runs), and the tables it loads rows into without creating them (extensions' configuration tables,
/// as PostGIS's spatial_ref_sys). Read from the table of contents of a custom archive (its first bytes), or from the
/// top-level statements of a plain dump (the whole file, so only asked for when it matters: a user who is not a superuser).
/// </summary>
public static class ArchiveOwners
{
    /// <summary>What the archive needs, or null when it cannot tell (a table of contents of an unknown version).</summary>
    public static async Task<ArchiveNeeds?> ReadAsync(IBackupStore store, BackupManifest manifest, CancellationToken ct)
    {
        await using var stream = await ArchivePipeline.For(manifest).OpenAsync(store, manifest.Archive.Name, ct);
        return manifest.Format == BackupFormat.Plain
            ? await PlainDumpFilter.NeedsAsync(stream, ct)
            : await Task.Run(() => FromToc(stream), ct);
    }

    private static ArchiveNeeds? FromToc(Stream stream)
    {
        using var buffered = new BufferedStream(stream, 1 << 16);
        DumpArchiveToc? toc;
        try
        {
            toc = DumpArchiveToc.Read(() => buffered.ReadByte() is var b and >= 0 ? (byte)b : throw new EndOfStreamException());
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            return null; // a table of contents cut short or damaged: pg_restore will say what is wrong with it
        }
        if (toc is null)
            return null;
        var tables = toc.Entries.Where(e => e.Description == "TABLE").Select(e => (e.Schema, e.Tag)).ToHashSet();
        var configData = toc.Entries.Where(e => e.Description == "TABLE DATA" && !tables.Contains((e.Schema, e.Tag)))
            .Select(e => $"{e.Schema}.{e.Tag}").Distinct().ToList();
        return new ArchiveNeeds(toc.Entries.Select(e => e.Owner).OfType<string>().Where(o => o.Length > 0).ToHashSet(StringComparer.Ordinal), configData);
    }

    /// <summary>A name a plain dump wrote (read as Latin-1, one char a byte) as the UTF-8 it is, without identifier quotes.</summary>
    internal static string FromLatin1(string qualifiedName) =>
        Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(qualifiedName.Replace("\"", "", StringComparison.Ordinal)));

    /// <summary>The role in an `ALTER … OWNER TO role;` line of pg_dump's (an identifier, quoted when it must be), as UTF-8.</summary>
    internal static string? OwnerOf(string latin1Line)
    {
        const string marker = " OWNER TO ";
        var at = latin1Line.LastIndexOf(marker, StringComparison.Ordinal);
        if (at < 0 || !latin1Line.EndsWith(';'))
            return null;
        var ident = latin1Line[(at + marker.Length)..^1];
        if (ident.Length > 1 && ident[0] == '"' && ident[^1] == '"')
            ident = ident[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
        return Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(ident));
    }
}

/// <param name="Owners">The roles that own the backup's objects.</param>
/// <param name="ConfigurationData">Tables ("schema.name") it has rows for but does not create: extensions' configuration tables.</param>
public sealed record ArchiveNeeds(IReadOnlySet<string> Owners, IReadOnlyList<string> ConfigurationData);
