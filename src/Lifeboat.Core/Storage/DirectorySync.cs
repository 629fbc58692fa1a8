using System.Runtime.InteropServices;

namespace Lifeboat.Core.Storage;

/// <summary>fsync of a directory: .NET cannot open one as a stream, so libc directly (Unix; a no-op on Windows).</summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY: enough to fsync a directory, on every Unix

    public static void Flush(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        var fd = Open(path, ReadOnly);
        if (fd < 0)
            return; // best effort: the files themselves were fsynced
        try { _ = FSync(fd); }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
