using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Storage;

/// <summary>
/// A file being written under "&lt;name&gt;.partial": it gets its final name only in <see cref="CommitAsync"/>,
/// after its bytes are on disk (fsync). Disposed without a commit, it deletes itself.
/// </summary>
public sealed class PendingFile : IAsyncDisposable
{
    private readonly FileStream _stream;
    private bool _committed;

    internal PendingFile(string finalPath)
    {
        FinalPath = finalPath;
        PartialPath = finalPath + Backup.BackupNaming.PartialSuffix;
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = 1 << 20,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        _stream = new FileStream(PartialPath, options);
    }

    public string FinalPath { get; }
    public string PartialPath { get; }
    public Stream Stream => _stream;

    /// <summary>Flushes to disk and gives the file its final name; <paramref name="replace"/> swaps it for an existing one in one rename.</summary>
    public async Task CommitAsync(CancellationToken ct, bool replace = false)
    {
        try
        {
            await _stream.FlushAsync(ct);
            _stream.Flush(flushToDisk: true);
            await _stream.DisposeAsync();
            File.Move(PartialPath, FinalPath, overwrite: replace);
            _committed = true;
        }
        catch (IOException e) when (DiskFull.Is(e))
        {
            throw DiskFull.Error("write", FinalPath, e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync();
        }
        catch (IOException) when (!_committed)
        {
            // Disposing flushes the buffer again; on a full disk that fails again. The file goes anyway.
        }
        finally
        {
            if (!_committed)
                TryDelete(PartialPath);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
