using Lifeboat.Core.Backup;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;

namespace Lifeboat.Core.Verification;

/// <summary>Compares a restored database with its manifest: encoding and locale, migration version, table count, and every table's row count.</summary>
public static class RestoredDatabaseCheck
{
    /// <param name="parallelism">Connections that count at once: the restore's jobs, so the check costs little next to it.</param>
    public static async Task<VerificationOutcome> CompareAsync(ConnectionSettings settings, BackupManifest manifest, int parallelism, CancellationToken ct)
    {
        await using var connection = await PostgresConnector.OpenAsync(settings, ct);
        var catalog = new CatalogReader(connection);
        var tables = await catalog.UserTablesAsync(ct);
        var counts = await CountInParallelAsync(settings, catalog, tables, manifest, parallelism, ct);
        var migration = await MigrationTables.ReadVersionAsync(catalog, MigrationTables.Find(tables), ct);

        var problems = new List<string>();
        if (manifest.DatabaseProperties is { } properties)
            problems.AddRange(await LocaleProblemsAsync(connection, properties, ct));
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

    /// <summary>The database's encoding, collation and character classes, which sorting and comparisons of its text depend on.</summary>
    private static async Task<IReadOnlyList<string>> LocaleProblemsAsync(Npgsql.NpgsqlConnection connection, DatabaseProperties expected, CancellationToken ct)
    {
        await using var cmd = new Npgsql.NpgsqlCommand(
            "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database WHERE datname = current_database()", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var problems = new List<string>();
        void Compare(string what, string actual, string? wanted)
        {
            if (wanted is not null && actual != wanted)
                problems.Add($"{what} {actual}, the backup had {wanted}");
        }
        Compare("encoding", reader.GetString(0), expected.Encoding);
        Compare("collation", reader.GetString(1), expected.Collate);
        Compare("character classes (LC_CTYPE)", reader.GetString(2), expected.Ctype);
        return problems;
    }

    /// <summary>
    /// Exact counts on up to <paramref name="parallelism"/> connections, the largest tables (by the manifest's rows) first so
    /// that the connections finish together. The first connection is the caller's.
    /// </summary>
    private static async Task<IReadOnlyList<TableRows>> CountInParallelAsync(ConnectionSettings settings, CatalogReader first,
        IReadOnlyList<(string Schema, string Name)> tables, BackupManifest manifest, int parallelism, CancellationToken ct)
    {
        var expected = manifest.Tables.ToDictionary(t => t.QualifiedName, t => t.Rows);
        var queue = new System.Collections.Concurrent.ConcurrentQueue<(string Schema, string Name)>(
            tables.OrderByDescending(t => expected.GetValueOrDefault($"{t.Schema}.{t.Name}")));
        var counts = new System.Collections.Concurrent.ConcurrentBag<TableRows>();

        async Task Drain(CatalogReader catalog)
        {
            while (queue.TryDequeue(out var table))
                counts.Add((await catalog.CountRowsAsync([table], ct, ownRowsOnly: manifest.RowCounts == RowCounting.Own))[0]);
        }

        async Task DrainOnOwnConnection()
        {
            await using var connection = await PostgresConnector.OpenAsync(settings, ct);
            await Drain(new CatalogReader(connection));
        }

        var workers = Math.Clamp(parallelism, 1, Math.Max(1, tables.Count));
        await Task.WhenAll([Drain(first), .. Enumerable.Range(1, workers - 1).Select(_ => DrainOnOwnConnection())]);
        var order = tables.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        return counts.OrderBy(c => order[(c.Schema, c.Name)]).ToList();
    }
}

/// <summary>The result of comparing a restored database with its manifest.</summary>
public sealed record VerificationOutcome(IReadOnlyList<string> Problems, int Tables, long Rows, string? MigrationVersion)
{
    public bool Passed => Problems.Count == 0;
}
