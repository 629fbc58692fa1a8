using Lifeboat.Core.Postgres;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Staging;

/// <summary>
/// `lifeboat cleanup`: what killed runs left behind, found and (unless a dry run) removed: scratch databases on the
/// server whose run is gone, and decompressed copies in the backup folder whose process is gone. Live runs' are listed, never touched.
/// </summary>
public sealed class CleanupService(IBackupStores stores, IPasswordPrompt? passwordPrompt)
{
    public Task<CleanupResult> CleanupAsync(CleanupRequest request, CancellationToken ct) =>
        PostgresFailure.TranslateAsync(() => CleanupCoreAsync(request, ct), "clean up", request.Connection.Host);

    private async Task<CleanupResult> CleanupCoreAsync(CleanupRequest request, CancellationToken ct)
    {
        var (_, opened) = await PostgresConnector.ConnectAsync(request.Connection.WithDatabase(request.MaintenanceDatabase), passwordPrompt, ct);
        await using var maintenance = opened;
        var outcome = request.DryRun
            ? new DropOutcome(await Leftovers.FindAsync(maintenance, request.Database, ct), [], [])
            : await Leftovers.DropDeadAsync(maintenance, request.Database, ct);
        var found = outcome.Found;
        var dropped = outcome.Dropped.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var failed = outcome.Failed.ToDictionary(f => f.Leftover.Name, f => f.Reason, StringComparer.Ordinal);

        var store = stores.Open(request.BackupDirectory);
        var folder = CopyLocations.FolderFor(store);
        var copies = CopyLocations.FindStale(folder);
        var removedCopies = request.DryRun ? [] : CopyLocations.RemoveStale(folder).ToHashSet(StringComparer.Ordinal);

        return new CleanupResult(request.DryRun,
            found.Select(l => new CleanupItem(l.Parsed is null ? CleanupItemKind.ReplacedDatabase : CleanupItemKind.ScratchDatabase, l.Name, l.SizeBytes, l.Dead,
                    dropped.Contains(l.Name), failed.TryGetValue(l.Name, out var reason) ? $"{l.Why}; but: {reason}" : l.Why)).ToList()
                .Concat(copies.Select(c => new CleanupItem(CleanupItemKind.DecompressedCopy, c, SizeOf(c), true, removedCopies.Contains(c), "its restore's process has exited")))
                .ToList());
    }

    private static long SizeOf(string folder)
    {
        try { return new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
    }
}

public sealed record CleanupRequest(ConnectionSettings Connection, string BackupDirectory)
{
    /// <summary>Only this database's scratch databases; null for all of the server's.</summary>
    public string? Database { get; init; }
    public string MaintenanceDatabase { get; init; } = Defaults.MaintenanceDatabase;
    public bool DryRun { get; init; }
}

public enum CleanupItemKind { ScratchDatabase, ReplacedDatabase, DecompressedCopy }

/// <summary>One leftover: whether its run is gone (<see cref="Dead"/>), whether it was removed, and why we think so.</summary>
public sealed record CleanupItem(CleanupItemKind Kind, string Name, long SizeBytes, bool Dead, bool Removed, string Why);

public sealed record CleanupResult(bool DryRun, IReadOnlyList<CleanupItem> Items);
