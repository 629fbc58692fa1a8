using Lifeboat.Core.Backup;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;

namespace Lifeboat.Core.Restore;

/// <summary>Compares a restored database with its manifest: migration version, table count, and every table's row count.</summary>
public static class RestoredDatabaseCheck
{
    public static async Task<VerificationOutcome> CompareAsync(ConnectionSettings settings, BackupManifest manifest, CancellationToken ct)
    {
        await using var connection = await PostgresConnector.OpenAsync(settings, ct);
        var catalog = new CatalogReader(connection);
        var tables = await catalog.UserTablesAsync(ct);
        var counts = await catalog.CountRowsAsync(tables, ct);
        var migration = await MigrationTables.ReadVersionAsync(catalog, MigrationTables.Find(tables), ct);

        var problems = new List<string>();
        if (tables.Count != manifest.TableCount)
            problems.Add($"{tables.Count} tables, the backup had {manifest.TableCount}");
        if (migration?.Version != manifest.Migration?.Version)
            problems.Add($"migration version {migration?.Version ?? "none"}, the backup had {manifest.Migration?.Version ?? "none"}");
        var restored = counts.ToDictionary(c => c.QualifiedName, c => c.Rows);
        foreach (var expected in manifest.Tables)
        {
            if (!restored.TryGetValue(expected.QualifiedName, out var rows))
                problems.Add($"table {expected.QualifiedName} is missing");
            else if (rows != expected.Rows)
                problems.Add($"table {expected.QualifiedName} has {rows} rows, the backup had {expected.Rows}");
        }
        return new VerificationOutcome(problems, tables.Count, counts.Sum(c => c.Rows), migration?.Version);
    }
}

/// <summary>The result of comparing a restored database with its manifest.</summary>
public sealed record VerificationOutcome(IReadOnlyList<string> Problems, int Tables, long Rows, string? MigrationVersion)
{
    public bool Passed => Problems.Count == 0;
}
