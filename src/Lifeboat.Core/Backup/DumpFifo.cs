using System.Runtime.InteropServices;

namespace Lifeboat.Core.Backup;

/// <summary>
/// A named pipe that pg_dump writes and zstd reads, so the uncompressed dump goes from one program to the other
/// without passing through this process (Unix only; elsewhere the dump is piped through us). It lives in a private
/// 0700 temporary folder, removed on dispose.
/// </summary>
public sealed partial class DumpFifo : IDisposable
{
    private readonly DirectoryInfo _folder;

    private DumpFifo(DirectoryInfo folder, string path)
    {
        _folder = folder;
        Path = path;
    }

    public string Path { get; }

    public static DumpFifo? TryCreate()
    {
        if (OperatingSystem.IsWindows())
            return null;
        var folder = Directory.CreateTempSubdirectory("lifeboat-");
        var path = System.IO.Path.Combine(folder.FullName, "dump.fifo");
        if (MakeFifo(path, Convert.ToUInt32("600", 8)) == 0)
            return new DumpFifo(folder, path);
        folder.Delete(recursive: true);
        return null;
    }

    public void Dispose()
    {
        try { _folder.Delete(recursive: true); }
        catch (IOException) { }
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MakeFifo(string path, uint mode);
}
