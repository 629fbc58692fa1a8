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
    /// With <paramref name="stdoutByte"/>, its output passes through here with that one byte replaced; without, it is ours.
    /// </summary>
    public static int Run(string path, IEnumerable<string> arguments, long? stdinBytes, (long Offset, byte Value)? stdoutByte)
    {
        var psi = new ProcessStartInfo(path)
        {
            UseShellExecute = false, RedirectStandardInput = stdinBytes is not null, RedirectStandardOutput = stdoutByte is not null,
        };
        foreach (var argument in arguments)
            psi.ArgumentList.Add(argument);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("LIFEBOAT_FAKE_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {path}");
        var output = stdoutByte is { } replace ? Task.Run(() => CopyReplacing(process.StandardOutput.BaseStream, replace.Offset, replace.Value)) : Task.CompletedTask;
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
        output.Wait();
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>Copies <paramref name="source"/> to our stdout, the byte at <paramref name="offset"/> replaced by <paramref name="value"/>.</summary>
    static void CopyReplacing(Stream source, long offset, byte value)
    {
        using var stdout = Console.OpenStandardOutput();
        var buffer = new byte[81920];
        long position = 0;
        int read;
        while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (offset >= position && offset < position + read)
                buffer[offset - position] = value;
            stdout.Write(buffer, 0, read);
            position += read;
        }
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
