using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Storage;

/// <summary>
/// One run per database and folder at a time: an exclusive lock on a file (flock on Unix), released by the OS even
/// if the process is killed.
/// </summary>
internal sealed class FileLock : IAsyncDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static FileLock Acquire(string path, string database)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var stream = new FileStream(path, options);
            stream.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            stream.Write(pid);
            stream.Flush();
            return new FileLock(stream);
        }
        catch (IOException e) when (!DiskFull.Is(e))
        {
            throw new LifeboatException($"unable to lock '{path}': another lifeboat run is working on database '{database}' in this folder",
                "wait for it to finish (or check for a stuck process) and run again", ExitCodes.Busy, e);
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
