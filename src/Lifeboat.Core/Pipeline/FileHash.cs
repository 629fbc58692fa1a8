using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Lifeboat.Core.Pipeline;

/// <summary>The SHA-256 of the archive the zstd program writes, read as it grows.</summary>
public static partial class FileHash
{
    /// <summary>
    /// SHA-256 of a file that another program (zstd) is still writing: read as it grows, from the page cache, and finished
    /// once <paramref name="writing"/> has ended, so hashing adds almost nothing after the write (measured 0.09 s for
    /// 112 MB when done afterwards). On Unix it also flushes what is written so far to disk as it goes (fdatasync), so that
    /// the commit's fsync finds little left to do. The file must not exist before the program creates it.
    /// </summary>
    public static async Task<(long Bytes, string Sha256)> Sha256WhileWrittenAsync(string path, Task writing, CancellationToken ct)
    {
        await using var stream = await OpenWhenCreatedAsync(path, writing, ct);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long bytes = 0, flushed = 0;
        while (true)
        {
            var ended = writing.IsCompleted; // read before the pass: a pass that starts after the end reads everything
            int read;
            while ((read = await stream.ReadAsync(buffer, ct)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                bytes += read;
            }
            if (ended)
                break;
            if (bytes - flushed >= FlushEvery && !OperatingSystem.IsWindows())
            {
                // Linux reports a write-back error once: lost here, the commit's fsync would find nothing wrong.
                if (DataSync((int)stream.SafeFileHandle.DangerousGetHandle()) != 0)
                    throw new IOException($"unable to flush '{path}' to disk: {new System.ComponentModel.Win32Exception(Marshal.GetLastPInvokeError()).Message}");
                flushed = bytes;
            }
            await Task.WhenAny(writing, Task.Delay(20, ct));
            ct.ThrowIfCancellationRequested();
        }
        await writing; // the writer's own failure, if it failed
        return (bytes, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    private const long FlushEvery = 32 << 20;

    private static async Task<FileStream> OpenWhenCreatedAsync(string path, Task writing, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
            }
            catch (FileNotFoundException) when (!writing.IsCompleted)
            {
                await Task.WhenAny(writing, Task.Delay(5, ct));
                ct.ThrowIfCancellationRequested();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int DataSync(int fd);
}
