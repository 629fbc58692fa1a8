using System.Text.Json.Nodes;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>A fresh temp folder for one test's backups, deleted afterwards; and the questions a user asks of it.</summary>
public sealed class BackupFolder : IDisposable
{
    BackupFolder(string path) => Path = path;

    public string Path { get; }

    public static BackupFolder Create() => new(Directory.CreateTempSubdirectory("lifeboat-backups-").FullName);

    /// <summary>A folder path inside this one that does not exist yet (for lifeboat to create).</summary>
    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The names of every file in the folder (recursively not needed: lifeboat writes flat), sorted.</summary>
    public IReadOnlyList<string> FileNames(string? inside = null) =>
        Directory.Exists(inside ?? Path)
            ? Directory.GetFiles(inside ?? Path).Select(System.IO.Path.GetFileName).Select(n => n!).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>Stems of complete backups (those with a manifest), oldest first by name.</summary>
    public IReadOnlyList<string> CompleteStems(string? inside = null) =>
        FileNames(inside).Where(n => n.EndsWith(".json", StringComparison.Ordinal))
            .Select(n => n[..^".json".Length]).ToList();

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string SingleFileEndingWith(string suffix)
    {
        var matches = FileNames().Where(n => n.EndsWith(suffix, StringComparison.Ordinal)).ToList();
        if (matches.Count != 1)
            throw new InvalidOperationException($"expected one file ending with '{suffix}' in {Path}, found: {string.Join(", ", FileNames())}");
        return File(matches[0]);
    }

    /// <summary>The one manifest in the folder, parsed.</summary>
    public JsonObject SingleManifest() => ReadManifest(SingleFileEndingWith(".json"));

    public static JsonObject ReadManifest(string path) =>
        JsonNode.Parse(System.IO.File.ReadAllText(path))?.AsObject() ?? throw new InvalidOperationException($"{path} is empty");

    /// <summary>
    /// Makes a complete backup look as if it had been taken at <paramref name="at"/>: the manifest's
    /// startedAt/finishedAt and the files' modification times.
    /// </summary>
    public void Backdate(string stem, DateTimeOffset at)
    {
        var manifestPath = File(stem + ".json");
        var manifest = ReadManifest(manifestPath);
        manifest["startedAt"] = at.ToString("O");
        manifest["finishedAt"] = at.AddSeconds(2).ToString("O");
        System.IO.File.WriteAllText(manifestPath, manifest.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        foreach (var name in FileNames().Where(n => n.StartsWith(stem + ".", StringComparison.Ordinal)))
            System.IO.File.SetLastWriteTimeUtc(File(name), at.UtcDateTime);
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                // A test may have locked the folder down; give it back before deleting.
                System.IO.File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Directory.Delete(Path, recursive: true);
            }
        }
        catch (IOException) { } // best effort: it's in the temp dir anyway
        catch (UnauthorizedAccessException) { }
    }
}
