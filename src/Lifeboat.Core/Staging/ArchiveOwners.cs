using System.Text;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Pipeline;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Staging;

/// <summary>
/// The roles a backup makes owners of its objects (what `ALTER … OWNER TO` the restore runs): read from the table of
/// contents of a custom archive (its first bytes), or from the top-level statements of a plain dump (the whole file,
/// so only asked for when it matters: a user who is not a superuser, restoring with owners).
/// </summary>
public static class ArchiveOwners
{
    /// <summary>The owners named, or null when the archive cannot tell (a table of contents of an unknown version).</summary>
    public static async Task<IReadOnlySet<string>?> ReadAsync(IBackupStore store, BackupManifest manifest, CancellationToken ct)
    {
        await using var stream = await ArchivePipeline.For(manifest).OpenAsync(store, manifest.Archive.Name, ct);
        return manifest.Format == BackupFormat.Plain
            ? await PlainDumpFilter.OwnersAsync(stream, ct)
            : await Task.Run(() => FromToc(stream), ct);
    }

    private static HashSet<string>? FromToc(Stream stream)
    {
        using var buffered = new BufferedStream(stream, 1 << 16);
        var toc = DumpArchiveToc.Read(() => buffered.ReadByte() is var b and >= 0 ? (byte)b : throw new EndOfStreamException());
        return toc?.Entries.Select(e => e.Owner).OfType<string>().Where(o => o.Length > 0).ToHashSet(StringComparer.Ordinal);
    }

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
