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
