using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Verification;

/// <summary>Every file of a backup is there, with the size and SHA-256 its manifest recorded.</summary>
public static class IntegrityCheck
{
    public static async Task<IReadOnlyList<string>> FindProblemsAsync(LocalFolderStore store, BackupManifest manifest, CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (var file in manifest.AllFiles)
        {
            var path = store.PathOf(file.Name);
            if (!File.Exists(path))
            {
                problems.Add($"{file.Name} is missing");
                continue;
            }
            var size = new FileInfo(path).Length;
            if (size != file.SizeBytes)
            {
                problems.Add($"{file.Name} has {size} bytes, the manifest says {file.SizeBytes} (truncated or changed)");
                continue;
            }
            var (_, hash) = await FileHash.Sha256Async(path, ct);
            if (hash != file.Sha256)
                problems.Add($"{file.Name} has SHA-256 {hash[..12]}…, the manifest says {file.Sha256[..12]}… (corrupted)");
        }
        return problems;
    }

    public static async Task EnsureIntactAsync(LocalFolderStore store, BackupManifest manifest, string stem, CancellationToken ct)
    {
        var problems = await FindProblemsAsync(store, manifest, ct);
        if (problems.Count > 0)
            throw new LifeboatException($"unable to use backup '{stem}': {string.Join("; ", problems)}",
                "nothing was changed; choose another backup (`lifeboat list`)", ExitCodes.Integrity);
    }
}
