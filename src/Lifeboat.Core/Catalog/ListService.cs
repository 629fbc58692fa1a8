using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Catalog;

/// <summary>`lifeboat list`: which backups a store holds (of one database, or all), incomplete ones shown as such.</summary>
public sealed class ListService(IBackupStores stores)
{
    public async Task<ListResult> ListAsync(ListRequest request, CancellationToken ct)
    {
        var store = stores.Open(request.BackupDirectory);
        await store.EnsureReadableAsync(ct);
        var entries = await BackupCatalog.ScanAsync(store, request.Database, ct);
        var listed = entries.Select(e => new ListedBackup(e, store.LocationOf(e.Manifest?.Archive.Name ?? e.Files[0]), e.Manifest?.Archive.SizeBytes ?? e.FilesBytes)).ToList();
        return new ListResult(store.Location, listed, await store.FreeBytesAsync(ct));
    }
}

public sealed record ListRequest(string BackupDirectory, string? Database = null);

/// <summary>One backup (or incomplete group of files) as listed: the path of its archive and its size.</summary>
public sealed record ListedBackup(CatalogEntry Entry, string Path, long SizeBytes);

public sealed record ListResult(string Location, IReadOnlyList<ListedBackup> Backups, long? FreeBytes)
{
    public IEnumerable<ListedBackup> Complete => Backups.Where(b => b.Entry.IsComplete);
}
