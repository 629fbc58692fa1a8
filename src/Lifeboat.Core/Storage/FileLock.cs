using System.Globalization;
using System.Text;
using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Storage;

/// <summary>
/// One run per database and folder at a time: an exclusive lock on a file (flock on Unix), released by the OS even
/// if the process is killed. The file holds the pid of the run that has the lock and is emptied when that run
/// releases it: a pid found in it by a run that got the lock is that of a run that died holding it
/// (<see cref="TakenOverFrom"/>), when no such process is alive any more. The pid is written as "lifeboat pid N": the
/// bare pid that earlier versions wrote (and never emptied) tells nothing, and is not reported.
/// </summary>
internal sealed class FileLock : IRunLock
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream, int? takenOverFrom)
    {
        _stream = stream;
        TakenOverFrom = takenOverFrom;
    }

    public int? TakenOverFrom { get; }

    public static FileLock Acquire(string path, string database)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var stream = new FileStream(path, options);
            var previous = ReadPid(stream);
            stream.SetLength(0);
            stream.Write(Encoding.ASCII.GetBytes($"{PidPrefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}\n"));
            stream.Flush(flushToDisk: true);
            return new FileLock(stream, previous is { } pid && pid != Environment.ProcessId && !LocalProcess.IsAlive(pid) ? pid : null);
        }
        catch (IOException e) when (!DiskFull.Is(e))
        {
            throw new LifeboatException($"unable to lock '{path}': another lifeboat run is working on database '{database}' in this folder",
                "wait for it to finish (or check for a stuck process) and run again", ExitCodes.Busy, e);
        }
    }

    private const string PidPrefix = "lifeboat pid ";

    private static int? ReadPid(FileStream stream)
    {
        var buffer = new byte[64];
        var read = stream.Read(buffer);
        stream.Position = 0;
        var text = Encoding.ASCII.GetString(buffer, 0, read).Trim();
        return text.StartsWith(PidPrefix, StringComparison.Ordinal)
            && int.TryParse(text[PidPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
    }

    /// <summary>Empties the file (the lock had an orderly end: no pid is left for the next run to report), then releases the lock.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _stream.SetLength(0);
            _stream.Flush();
        }
        catch (IOException)
        {
            // Releasing the lock matters more than the pid in it.
        }
        await _stream.DisposeAsync();
    }
}
