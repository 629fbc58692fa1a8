using Lifeboat.Core.Backup;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Manifest;

/// <summary>What a backup folder holds, grouped by stem: complete backups (valid manifest) and everything else, shown as such.</summary>
public static class BackupCatalog
{
    public static IReadOnlyList<CatalogEntry> Scan(LocalFolderStore store, string? database = null)
    {
        var groups = new Dictionary<string, (ParsedName Name, List<string> Files)>(StringComparer.Ordinal);
        foreach (var file in store.List())
        {
            if (BackupNaming.Parse(file.Name) is not { } parsed)
                continue;
            if (database is not null && parsed.Database != database)
                continue;
            if (!groups.TryGetValue(parsed.Stem, out var group))
                groups[parsed.Stem] = group = (parsed, []);
            group.Files.Add(file.Name);
        }

        var entries = new List<CatalogEntry>();
        foreach (var (stem, (name, files)) in groups)
        {
            files.Sort(StringComparer.Ordinal);
            var manifestName = stem + BackupNaming.ManifestExtension;
            BackupManifest? manifest = null;
            string? problem = null;
            if (files.Contains(manifestName))
            {
                try { manifest = ManifestSerializer.Read(store.PathOf(manifestName)); }
                catch (LifeboatException e) { problem = e.Message; }
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
            entries.Add(new CatalogEntry(stem, name.Database, state, manifest, files, createdAt, problem));
        }
        return entries.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Stem, StringComparer.Ordinal).ToList();
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

/// <summary>One stem in the folder, its files, and its manifest when it is complete.</summary>
public sealed record CatalogEntry(string Stem, string Database, EntryState State, BackupManifest? Manifest,
    IReadOnlyList<string> Files, DateTimeOffset CreatedAt, string? Problem)
{
    public bool IsComplete => State == EntryState.Complete;

    /// <summary>The label restore gives the backup it takes of the database it is about to replace.</summary>
    public const string SafetyLabel = "pre-restore";

    /// <summary>A backup of a state someone chose to replace: not what --latest means, and not one of the newest to keep.</summary>
    public bool IsSafetyBackup => Manifest?.Label == SafetyLabel;
    public string? ArchiveName => Manifest?.Archive.Name;
}
