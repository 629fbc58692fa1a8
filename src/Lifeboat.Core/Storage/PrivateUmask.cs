using System.Runtime.InteropServices;

namespace Lifeboat.Core.Storage;

/// <summary>
/// Backups hold a whole database: every file that lifeboat or a program it starts (zstd, pg_dump) creates is private to
/// the user, whatever umask the shell or the scheduler left. Set once at start-up; children inherit it.
/// </summary>
public static partial class PrivateUmask
{
    public static void Apply()
    {
        if (!OperatingSystem.IsWindows())
            _ = SetUmask(Convert.ToUInt32("077", 8));
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint SetUmask(uint mask);
}
