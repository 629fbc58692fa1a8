using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>
/// What the specs read from a backup's manifest, taken from the JSON file as a user (or a script) would read it, not
/// through Lifeboat.Core's types: the specs check the file lifeboat writes, whatever the code that writes it looks like.
/// </summary>
public sealed record ManifestOnDisk(
    string Database,
    string? Label,
    string Format,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    ManifestFileEntry Archive,
    IReadOnlyList<ManifestFileEntry> Sidecars,
    int TableCount,
    IReadOnlyList<ManifestTableRows> Tables)
{
    /// <summary>Reads the manifest at <paramref name="path"/>; throws when it is not JSON or lacks what every manifest has.</summary>
    public static ManifestOnDisk Read(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidOperationException($"manifest {path} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"manifest {path} is not valid JSON: {e.Message}", e);
        }

        T Required<T>(JsonNode? node, string name) =>
            node?[name] is { } value ? value.GetValue<T>() : throw new InvalidOperationException($"manifest {path} has no '{name}'");
        ManifestFileEntry FileEntry(JsonNode? node) =>
            new(Required<string>(node, "name"), Required<long>(node, "sizeBytes"), Required<string>(node, "sha256"));
        JsonArray List(string name) => json[name] as JsonArray ?? [];

        return new ManifestOnDisk(
            Database: Required<string>(json, "database"),
            Label: json["label"]?.GetValue<string>(),
            Format: Required<string>(json, "format"),
            StartedAt: Required<DateTimeOffset>(json, "startedAt"),
            FinishedAt: Required<DateTimeOffset>(json, "finishedAt"),
            Archive: FileEntry(json["archive"] ?? throw new InvalidOperationException($"manifest {path} has no 'archive'")),
            Sidecars: List("sidecars").Select(FileEntry).ToList(),
            TableCount: Required<int>(json, "tableCount"),
            Tables: List("tables").Select(t => new ManifestTableRows(Required<string>(t, "schema"), Required<string>(t, "name"), Required<long>(t, "rows"))).ToList());
    }
}

/// <summary>A file of the backup as its manifest records it.</summary>
public sealed record ManifestFileEntry(string Name, long SizeBytes, string Sha256);

/// <summary>A table's row count as the manifest records it.</summary>
public sealed record ManifestTableRows(string Schema, string Name, long Rows);
