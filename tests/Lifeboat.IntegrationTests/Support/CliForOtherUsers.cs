using System.Text.Json.Nodes;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>
/// The CLI copied, once per test run, into a temp folder every user may read, for the specs that run it as another
/// user: the test output lies wherever the clone does, and a clone in /root (mode 0700) is out of that user's reach
/// ("realpath … Permission denied" from the dotnet host). Deleted when the test process exits.
/// </summary>
public static class CliForOtherUsers
{
    const UnixFileMode ReadAndEnterForAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    const UnixFileMode ReadForAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    static readonly Lazy<IReadOnlyList<string>> Copied = new(Copy);

    /// <summary>Like <see cref="LifeboatCli.Command"/>, but starting the copy.</summary>
    public static IReadOnlyList<string> Command => Copied.Value;

    static IReadOnlyList<string> Copy()
    {
        var folder = Directory.CreateTempSubdirectory("lifeboat-cli-").FullName; // created 0700
        File.SetUnixFileMode(folder, ReadAndEnterForAll);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { } // best effort: it is in the temp folder
            catch (UnauthorizedAccessException) { }
        };

        if (LifeboatCli.Command is [var exe]) // LIFEBOAT_TEST_EXE: the Native AOT build is one file
        {
            var copy = Path.Combine(folder, Path.GetFileName(exe));
            File.Copy(exe, copy);
            File.SetUnixFileMode(copy, ReadAndEnterForAll);
            return [copy];
        }

        var source = Path.GetDirectoryName(LifeboatCli.DllPath)!;
        foreach (var file in FilesOfTheApp(source))
        {
            var target = Path.Combine(folder, file);
            if (Path.GetDirectoryName(file) is { Length: > 0 } subfolder && !Directory.Exists(Path.Combine(folder, subfolder)))
                Directory.CreateDirectory(Path.Combine(folder, subfolder), ReadAndEnterForAll);
            var from = Path.Combine(source, file);
            if (!File.Exists(from))
                throw new InvalidOperationException($"lifeboat.deps.json names {file}, which is not in {source}");
            File.Copy(from, target);
            File.SetUnixFileMode(target, ReadForAll);
        }
        return ["dotnet", Path.Combine(folder, Path.GetFileName(LifeboatCli.DllPath))];
    }

    /// <summary>
    /// lifeboat.dll, its two json files, and every assembly its deps.json lists, where the host looks for them in an
    /// app's folder: by file name, satellite resources in a folder named after their culture.
    /// </summary>
    static IEnumerable<string> FilesOfTheApp(string source)
    {
        var deps = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "lifeboat.deps.json")))!;
        var files = new SortedSet<string>(StringComparer.Ordinal) { "lifeboat.dll", "lifeboat.deps.json", "lifeboat.runtimeconfig.json" };
        foreach (var (_, target) in deps["targets"]!.AsObject())
        {
            foreach (var (_, library) in target!.AsObject())
            {
                foreach (var (asset, _) in library!["runtime"]?.AsObject() ?? [])
                    files.Add(Path.GetFileName(asset));
                foreach (var (asset, _) in library["native"]?.AsObject() ?? [])
                    files.Add(Path.GetFileName(asset));
                foreach (var (asset, properties) in library["resources"]?.AsObject() ?? [])
                    files.Add(Path.Combine((string)properties!["locale"]!, Path.GetFileName(asset)));
                foreach (var (asset, _) in library["runtimeTargets"]?.AsObject() ?? [])
                    files.Add(asset);
            }
        }
        return files;
    }
}
