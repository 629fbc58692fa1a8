using System.Security.Cryptography;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Verification;

/// <summary>Every file of a backup is in its store, with the size and SHA-256 its manifest recorded.</summary>
public static class IntegrityCheck
{
    public static async Task<IReadOnlyList<string>> FindProblemsAsync(IBackupStore store, BackupManifest manifest, CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (var file in manifest.AllFiles)
        {
            if (await store.InfoAsync(file.Name, ct) is not { } info)
            {
                problems.Add($"{file.Name} is missing");
                continue;
            }
            if (info.SizeBytes != file.SizeBytes)
            {
                problems.Add($"{file.Name} has {info.SizeBytes} bytes, the manifest says {file.SizeBytes} (truncated or changed)");
                continue;
            }
            string hash;
            await using (var stream = await store.OpenReadAsync(file.Name, ct))
                hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
            if (hash != file.Sha256)
                problems.Add($"{file.Name} has SHA-256 {hash[..12]}…, the manifest says {file.Sha256[..12]}… (corrupted)");
        }
        return problems;
    }

    public static async Task EnsureIntactAsync(IBackupStore store, BackupManifest manifest, string stem, CancellationToken ct)
    {
        var problems = await FindProblemsAsync(store, manifest, ct);
        if (problems.Count > 0)
            throw new LifeboatException($"unable to use backup '{stem}': {string.Join("; ", problems)}",
                "nothing was changed; choose another backup (`lifeboat list`)", ExitCodes.Integrity);
    }
}
