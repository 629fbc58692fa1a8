namespace Lifeboat.Core.Storage;

/// <summary>Folders lifeboat creates hold whole databases: 0700 on Unix, whatever the umask.</summary>
public static class PrivateFolder
{
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
