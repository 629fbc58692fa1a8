using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Catalog;

/// <summary>What a store holds, grouped by stem: complete backups (valid manifest) and everything else, shown as such.</summary>
public static class BackupCatalog
{
    public static async Task<IReadOnlyList<CatalogEntry>> ScanAsync(IBackupStore store, string? database, CancellationToken ct)
    {
        var groups = new Dictionary<string, (ParsedName Name, List<StoredFile> Files)>(StringComparer.Ordinal);
        var listed = new List<StoredFile>();
        foreach (var prefix in database is null ? [""] : BackupNaming.Prefixes(database))
            listed.AddRange(await store.ListAsync(prefix, ct));
        foreach (var file in listed.DistinctBy(f => f.Name))
        {
            if (BackupNaming.Parse(file.Name) is not { } parsed)
                continue;
            if (database is not null && parsed.Database != database)
                continue;
            if (!groups.TryGetValue(parsed.Stem, out var group))
                groups[parsed.Stem] = group = (parsed, []);
            group.Files.Add(file);
        }

        var entries = new List<CatalogEntry>();
        foreach (var (stem, (name, stored)) in groups)
        {
            var files = stored.Select(f => f.Name).Order(StringComparer.Ordinal).ToList();
            var manifestName = stem + BackupNaming.ManifestExtension;
            BackupManifest? manifest = null;
            string? problem = null;
            if (files.Contains(manifestName))
            {
                try { manifest = await ReadManifestAsync(store, manifestName, ct); }
                catch (LifeboatException e) { problem = e.Message; }
                catch (FileNotFoundException) { files.Remove(manifestName); } // deleted meanwhile (rotation of another run)
                if (manifest is not null && !files.Contains(manifest.Archive.Name))
                {
                    problem = $"its archive {manifest.Archive.Name} is missing";
                    manifest = null;
                }
            }
            var state = manifest is not null ? EntryState.Complete
                : problem is not null ? EntryState.Damaged
                : files.Any(f => f.EndsWith(BackupNaming.PartialSuffix, StringComparison.Ordinal)) ? EntryState.Partial
                : files.All(f => f.EndsWith(BackupNaming.LogExtension, StringComparison.Ordinal)) ? EntryState.FailedRun
                : EntryState.NoManifest;
            var createdAt = manifest?.StartedAt ?? new DateTimeOffset(DateTime.SpecifyKind(name.Timestamp, DateTimeKind.Local));
            entries.Add(new CatalogEntry(stem, name.Database, state, manifest, files, stored.Sum(f => f.SizeBytes), createdAt, problem));
        }
        return entries.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Stem, StringComparer.Ordinal).ToList();
    }

    /// <summary>Reads and parses one manifest of the store.</summary>
    public static async Task<BackupManifest> ReadManifestAsync(IBackupStore store, string name, CancellationToken ct)
    {
        await using var stream = await store.OpenReadAsync(name, ct);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct);
        return ManifestSerializer.FromUtf8(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), $"{store.Location}/{name}");
    }

    /// <summary>Writes a manifest atomically: a reader sees the old one or the new one, never half of one.</summary>
    public static async Task WriteManifestAsync(IBackupStore store, string stem, BackupManifest manifest, CancellationToken ct, bool replace = false)
    {
        await using var file = await store.CreateAsync(stem + BackupNaming.ManifestExtension, ct);
        await file.Stream.WriteAsync(ManifestSerializer.ToUtf8(manifest), ct);
        await file.CommitAsync(ct, replace);
    }
}

/// <summary>The state of a group of files that share a backup stem.</summary>
public enum EntryState
{
    /// <summary>Has a valid manifest: a backup.</summary>
    Complete,
    /// <summary>Has a manifest that cannot be read.</summary>
    Damaged,
    /// <summary>Still being written, or left by a run that died (.partial files).</summary>
    Partial,
    /// <summary>Only the log of a run that failed.</summary>
    FailedRun,
    /// <summary>Files without a manifest: not a backup.</summary>
    NoManifest,
}

/// <summary>One stem in the store, its files, and its manifest when it is complete.</summary>
public sealed record CatalogEntry(string Stem, string Database, EntryState State, BackupManifest? Manifest,
    IReadOnlyList<string> Files, long FilesBytes, DateTimeOffset CreatedAt, string? Problem)
{
    public bool IsComplete => State == EntryState.Complete;

    /// <summary>The label restore gives the backup it takes of the database it is about to replace.</summary>
    public const string SafetyLabel = "pre-restore";

    /// <summary>A backup of a state someone chose to replace: not what --latest means, and not one of the newest to keep.</summary>
    public bool IsSafetyBackup => Manifest?.Label == SafetyLabel;
    public string? ArchiveName => Manifest?.Archive.Name;

    /// <summary>How a user would describe the state.</summary>
    public string Describe() => State switch
    {
        EntryState.Complete => "complete",
        EntryState.Damaged => "its manifest is damaged",
        EntryState.Partial => "still being written, or left by a run that died",
        EntryState.FailedRun => "only the log of a failed run",
        _ => "it has no manifest",
    };
}
