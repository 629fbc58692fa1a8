using Lifeboat.Core.Manifest;

namespace Lifeboat.Core.Postgres;

/// <summary>The migration tools whose history table we recognise, and how each records its current version.</summary>
public static class MigrationTables
{
    private sealed record Known(string Tool, string Table, Func<string, string> VersionSql);

    private static readonly Known[] Tools =
    [
        new("alembic", "alembic_version", t => $"SELECT string_agg(version_num, ',' ORDER BY version_num) FROM {t}"),
        new("flyway", "flyway_schema_history", t => $"SELECT version FROM {t} WHERE success AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1"),
        new("efcore", "__EFMigrationsHistory", t => $"SELECT \"MigrationId\" FROM {t} ORDER BY \"MigrationId\" DESC LIMIT 1"),
        new("django", "django_migrations", t => $"SELECT app || '.' || name FROM {t} ORDER BY applied DESC, id DESC LIMIT 1"),
        new("rails", "schema_migrations", t => $"SELECT version FROM {t} ORDER BY version DESC LIMIT 1"),
        new("liquibase", "databasechangelog", t => $"SELECT id FROM {t} ORDER BY orderexecuted DESC LIMIT 1"),
    ];

    /// <summary>The history tables present among the user tables (preferring schema public when a name repeats).</summary>
    public static IReadOnlyList<(string Tool, string Schema, string Table)> Find(IEnumerable<(string Schema, string Name)> tables)
    {
        var list = tables.ToList();
        var found = new List<(string, string, string)>();
        foreach (var tool in Tools)
        {
            var match = list.Where(t => t.Name == tool.Table).OrderBy(t => t.Schema == "public" ? 0 : 1).FirstOrDefault();
            if (match.Name is not null)
                found.Add((tool.Tool, match.Schema, match.Name));
        }
        return found;
    }

    /// <summary>The version recorded by the first tool found (Alembic first, as in the seed).</summary>
    public static async Task<MigrationInfo?> ReadVersionAsync(CatalogReader catalog, IReadOnlyList<(string Tool, string Schema, string Table)> found, CancellationToken ct)
    {
        if (found.Count == 0)
            return null;
        var (toolName, schema, table) = found[0];
        var known = Tools.First(k => k.Tool == toolName);
        var qualified = $"{Sql.Ident(schema)}.{Sql.Ident(table)}";
        // A table of that name with other columns gives no version: record the tool, not a version.
        var version = await catalog.TryScalarStringAsync(known.VersionSql(qualified), ct);
        return new MigrationInfo(toolName, $"{schema}.{table}", version);
    }
}
