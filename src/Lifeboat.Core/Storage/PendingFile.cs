using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Storage;

/// <summary>
/// A file being written under "&lt;name&gt;.partial": it gets its final name only in <see cref="CommitAsync"/>,
/// after its bytes are on disk (fsync). Disposed without a commit, it deletes itself.
/// </summary>
internal sealed class PendingFile : IPendingFile
{
    private readonly FileStream _stream;
    private bool _committed;

    internal PendingFile(string name, string finalPath)
    {
        Name = name;
        FinalPath = finalPath;
        PartialPath = finalPath + PartialSuffix;
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

    /// <summary>What a file is called while it is written; a run that dies leaves it, and the next run removes it.</summary>
    public const string PartialSuffix = ".partial";

    public string Name { get; }
    public string FinalPath { get; }
    public string PartialPath { get; }
    public Stream Stream => _stream;

    /// <summary>True once another program writes the partial file by its path (see <see cref="HandOverAsync"/>).</summary>
    private bool _handedOver;

    /// <summary>
    /// For a program that writes the file itself (zstd -o): closes our handle and returns the path. The file stays
    /// a partial; <see cref="CommitAsync"/> then reopens it by path to fsync it, whatever inode the program left there.
    /// </summary>
    public async Task<string> HandOverAsync()
    {
        await _stream.DisposeAsync();
        _handedOver = true;
        return PartialPath;
    }

    /// <summary>Flushes to disk and gives the file its final name; <paramref name="replace"/> swaps it for an existing one in one rename.</summary>
    public async Task CommitAsync(CancellationToken ct, bool replace = false)
    {
        try
        {
            if (_handedOver)
            {
                await using var written = new FileStream(PartialPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(written.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                written.Flush(flushToDisk: true);
            }
            else
            {
                await _stream.FlushAsync(ct);
                _stream.Flush(flushToDisk: true);
                await _stream.DisposeAsync();
            }
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
