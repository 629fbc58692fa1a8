using System.Diagnostics;
using System.Globalization;

namespace Lifeboat.Tests.Dummy;

/// <summary>The real PostgreSQL program a fake stands in for, run with the fake's stdout and stderr.</summary>
static class RealTool
{
    /// <summary>The real program's path, or null (with the reason on stderr) when there is none.</summary>
    public static string? Find(string tool)
    {
        var bin = Environment.GetEnvironmentVariable(FakeTool.RealBinVariable) is { Length: > 0 } given ? given : NewestInstalledBin();
        var path = bin is null ? null : Path.Combine(bin, tool);
        if (path is not null && File.Exists(path))
            return path;
        Console.Error.WriteLine($"fake {tool}: no real {tool} to run (looked in {bin ?? "/usr/lib/postgresql/*/bin"}; set {FakeTool.RealBinVariable})");
        return null;
    }

    /// <summary>
    /// Runs <paramref name="path"/> to its end and returns its exit code. With <paramref name="stdinBytes"/>, it gets only
    /// that many bytes of the input and then end of file; the rest stays unread until this process exits (like
    /// <c>head -c N | tool</c>), so the writer sees a broken pipe. Without, it reads the input itself.
    /// </summary>
    public static int Run(string path, IEnumerable<string> arguments, long? stdinBytes)
    {
        var psi = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardInput = stdinBytes is not null };
        foreach (var argument in arguments)
            psi.ArgumentList.Add(argument);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("LIFEBOAT_FAKE_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {path}");
        if (stdinBytes is { } limit)
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[81920];
            var left = limit;
            try
            {
                int read;
                while (left > 0 && (read = input.Read(buffer, 0, (int)Math.Min(buffer.Length, left))) > 0)
                {
                    process.StandardInput.BaseStream.Write(buffer, 0, read);
                    left -= read;
                }
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The real tool stopped reading (it failed early): its exit code tells the story.
            }
        }
        process.WaitForExit();
        return process.ExitCode;
    }

    static string? NewestInstalledBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(dir => (dir, version: decimal.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(x => x.version >= 0)
                .OrderByDescending(x => x.version)
                .Select(x => Path.Combine(x.dir, "bin"))
                .FirstOrDefault()
            : null;
}
