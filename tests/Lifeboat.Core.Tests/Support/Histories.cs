using Lifeboat.Core.Catalog;
using Lifeboat.Core.Manifest;

namespace Lifeboat.Core.Tests.Support;

/// <summary>Catalog entries as `BackupCatalog.Scan` would build them from a folder, without a folder.</summary>
public static class Histories
{
    public static readonly DateTimeOffset Now = new(2025, 10, 24, 22, 0, 0, TimeSpan.FromHours(2));

    public static string StemOf(string database, DateTimeOffset at) => BackupNaming.Stem(database, at);

    public static BackupManifest Manifest(string database, DateTimeOffset startedAt, VerificationRecord? verification = null)
    {
        var stem = StemOf(database, startedAt);
        return new BackupManifest
        {
            LifeboatVersion = "0.1.0",
            Database = database,
            ServerVersion = "17.2",
            PgDumpVersion = "17.2",
            StartedAt = startedAt,
            FinishedAt = startedAt.AddSeconds(2),
            Format = BackupFormat.Custom,
            Compression = Compression.Zstd,
            Archive = new ManifestFile(stem + ".dump.zst", 1234, new string('a', 64), FileKind.Archive),
            Sidecars = [new ManifestFile(stem + ".roles.sql", 10, new string('b', 64), FileKind.Roles)],
            TableCount = 1,
            Tables = [new TableRows("public", "notes", 100)],
            Migration = new MigrationInfo("alembic", "public.alembic_version", "6cdf0b06a3e9"),
            Verification = verification,
        };
    }

    public static CatalogEntry Complete(DateTimeOffset at, string database = "shop", VerificationRecord? verification = null)
    {
        var manifest = Manifest(database, at, verification);
        var stem = StemOf(database, at);
        return new CatalogEntry(stem, database, EntryState.Complete, manifest,
            [stem + ".dump.zst", stem + ".json", stem + ".log", stem + ".roles.sql"], 1300, at, null);
    }

    /// <summary>The backup a restore takes of the database it replaces.</summary>
    public static CatalogEntry SafetyBackup(DateTimeOffset at, string database = "shop")
    {
        var entry = Complete(at, database);
        return entry with { Manifest = entry.Manifest! with { Label = CatalogEntry.SafetyLabel } };
    }

    public static CatalogEntry Incomplete(EntryState state, DateTimeOffset at, string database = "shop")
    {
        var stem = StemOf(database, at);
        IReadOnlyList<string> files = state switch
        {
            EntryState.Partial => [stem + ".dump.zst.partial", stem + ".log"],
            EntryState.FailedRun => [stem + ".log"],
            EntryState.Damaged => [stem + ".dump.zst", stem + ".json"],
            EntryState.NoManifest => [stem + ".dump.zst"],
            _ => throw new ArgumentOutOfRangeException(nameof(state), "use Complete() for complete backups"),
        };
        return new CatalogEntry(stem, database, state, null, files, 100, at, state == EntryState.Damaged ? "not valid JSON" : null);
    }

    public static VerificationRecord Passed(DateTimeOffset at, bool deep = true) => new(true, at, deep, "restored into a scratch database");

    public static VerificationRecord Failed(DateTimeOffset at) => new(false, at, true, "failed: table public.notes has 99 rows, the backup had 100");

    /// <summary>Newest first, like the catalog.</summary>
    public static IReadOnlyList<CatalogEntry> Newest(params CatalogEntry[] entries) =>
        entries.OrderByDescending(e => e.CreatedAt).ToList();
}
