using System.Text.Json;
using System.Text.Json.Serialization;
using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Manifest;

/// <summary>Reads and writes manifests as indented camelCase JSON.</summary>
public static class ManifestSerializer
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // "archive": null in a hand-edited or damaged manifest must make it unreadable, not a backup without an archive.
        RespectNullableAnnotations = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        // Generated metadata first (precompiled with the tool: no reflection at start-up, which cost ~50 ms per run),
        // reflection for whatever else a command prints as JSON.
        TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(
            ManifestJsonContext.Default, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()),
    };

    public static byte[] ToUtf8(BackupManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Options);

    public static BackupManifest Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var manifest = JsonSerializer.Deserialize<BackupManifest>(stream, Options)
                ?? throw new JsonException("empty manifest");
            if (manifest.FormatVersion > BackupManifest.CurrentFormatVersion)
                throw new LifeboatException($"unable to read manifest '{path}': format version {manifest.FormatVersion} is newer than this lifeboat understands",
                    "upgrade lifeboat", ExitCodes.Integrity);
            return manifest;
        }
        catch (JsonException e)
        {
            throw new LifeboatException($"unable to read manifest '{path}': it is not valid JSON ({e.Message})",
                "the backup is damaged; use another one", ExitCodes.Integrity, e);
        }
    }
}

[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
