using System.Security.Cryptography;

namespace Lifeboat.Core.Storage;

/// <summary>SHA-256 of a whole file, read sequentially: the checksums the manifest records and the checks compare.</summary>
public static class FileHash
{
    public static async Task<(long Bytes, string Sha256)> Sha256Async(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return (stream.Length, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct)));
    }
}
