using System.Globalization;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>
/// A small (or read-only) tmpfs mounted on a fresh temp folder, for disk-full and read-only specs.
/// Needs root, as the tests run in CI; unmounted and removed on dispose.
/// </summary>
public sealed class TmpfsMount : IAsyncDisposable
{
    TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static async Task<TmpfsMount> MountAsync(long sizeBytes, bool readOnly = false)
    {
        var path = Directory.CreateTempSubdirectory("lifeboat-tmpfs-").FullName;
        var options = $"size={sizeBytes.ToString(CultureInfo.InvariantCulture)}{(readOnly ? ",ro" : "")},mode=0755";
        var result = await ExternalTool.RunAsync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", path]);
        if (result.ExitCode != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"mount tmpfs on {path} failed (these specs need root):\n{result}");
        }
        return new TmpfsMount(path);
    }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public IReadOnlyList<string> FileNames() =>
        Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Select(n => n!).Order(StringComparer.Ordinal).ToList();

    public async ValueTask DisposeAsync()
    {
        var result = await ExternalTool.RunAsync("umount", [Path]);
        if (result.ExitCode != 0)
            await ExternalTool.RunAsync("umount", ["-l", Path]); // something still holds it open: detach lazily
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
