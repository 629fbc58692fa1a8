using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Manifest;

/// <summary>Manifests to and from bytes: indented camelCase JSON (where the bytes live is the store's business).</summary>
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

    /// <param name="where">The manifest's name or path, for the error a damaged one gives.</param>
    public static BackupManifest FromUtf8(ReadOnlySpan<byte> json, string where)
    {
        try
        {
            // The version first: a newer manifest may use words this version does not know, and is not damaged for that.
            if (FormatVersionOf(json) is { } version && version > BackupManifest.CurrentFormatVersion)
                throw new LifeboatException($"unable to read manifest '{where}': format version {version} is newer than this lifeboat understands",
                    "upgrade lifeboat", ExitCodes.Integrity);
            return JsonSerializer.Deserialize(json, Manifest) ?? throw new JsonException("empty manifest");
        }
        catch (JsonException e)
        {
            throw new LifeboatException($"unable to read manifest '{where}': {Plain(e)}",
                "the backup is damaged; use another one", ExitCodes.Integrity, e);
        }
    }

    /// <summary>What is wrong with the JSON in plain words, not System.Text.Json's text with its type names.</summary>
    private static string Plain(JsonException e)
    {
        var missing = System.Text.RegularExpressions.Regex.Match(e.Message, "missing required properties including: (?<names>.+?)\\.?$");
        if (missing.Success)
            return $"a field it must have is missing ({missing.Groups["names"].Value})";
        if (e.LineNumber is { } line)
            return e.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) && e.Path is { Length: > 2 } path
                ? $"the field {path[2..]} has a value of the wrong type (line {line + 1})"
                : $"it is not valid JSON (line {line + 1}, byte {e.BytePositionInLine + 1})";
        return "it is not valid JSON";
    }

    private static int? FormatVersionOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isVersion = reader.ValueTextEquals("formatVersion");
            reader.Read();
            if (isVersion)
                return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var version) ? version : null;
            reader.Skip();
        }
        return null;
    }
}

[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
