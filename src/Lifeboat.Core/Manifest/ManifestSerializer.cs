using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Manifest;

/// <summary>Reads and writes manifests as indented camelCase JSON.</summary>
public static class ManifestSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // "archive": null in a hand-edited or damaged manifest must make it unreadable, not a backup without an archive.
        RespectNullableAnnotations = true,
        // Generated metadata only: no reflection, so the tool compiles ahead of time (Native AOT), and no ~50 ms of
        // reflection at start-up in a JIT build.
        TypeInfoResolver = ManifestJsonContext.Default,
    };

    private static readonly JsonTypeInfo<BackupManifest> Manifest = (JsonTypeInfo<BackupManifest>)Options.GetTypeInfo(typeof(BackupManifest));

    public static byte[] ToUtf8(BackupManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Manifest);

    public static BackupManifest Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var manifest = JsonSerializer.Deserialize(stream, Manifest)
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
