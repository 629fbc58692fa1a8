using System.Runtime.InteropServices;
using Lifeboat.Tests.Dummy;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>
/// A folder for lifeboat's --pg-bin in which pg_dump, psql, pg_restore or vacuumdb is a fake: a copy of the Lifeboat.Tests.Dummy
/// executable under the tool's name, which runs the real tool unless <see cref="Environment"/> tells it otherwise.
/// Pass <see cref="Environment"/> to the lifeboat run: lifeboat hands its environment on to the tools it starts.
/// Deleted on dispose.
/// </summary>
public sealed class FakePgBin : IDisposable
{
    /// <summary>The dummy's apphost and the files it loads, which the project reference put beside the tests.</summary>
    static readonly string DummyFolder = AppContext.BaseDirectory;
    const string DummyName = "Lifeboat.Tests.Dummy";

    readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    FakePgBin(string path) => Path = path;

    public string Path { get; }

    /// <summary>What the fakes must find in their environment: the real tools, the .NET runtime and what each fake should do.</summary>
    public IReadOnlyDictionary<string, string> Environment => _environment;

    /// <summary>An empty --pg-bin folder whose fakes run the tools of <paramref name="server"/>'s PostgreSQL.</summary>
    public static FakePgBin Create(PostgresServer server)
    {
        var bin = new FakePgBin(Directory.CreateTempSubdirectory("lifeboat-fake-bin-").FullName);
        // A copy of the apphost loads the dll, runtimeconfig and deps beside it (a symlink would be resolved to the
        // dummy's own folder, and the fake would no longer know which tool it is).
        foreach (var file in new[] { ".dll", ".runtimeconfig.json", ".deps.json" })
            File.Copy(System.IO.Path.Combine(DummyFolder, DummyName + file), System.IO.Path.Combine(bin.Path, DummyName + file));
        bin._environment[FakeTool.RealBinVariable] = server.BinDirectory;
        // The apphost looks for the runtime in DOTNET_ROOT or the default install folder; give it the one running the tests.
        bin._environment["DOTNET_ROOT"] = System.Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root
            ? root
            : System.IO.Path.GetFullPath(System.IO.Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        return bin;
    }

    /// <summary>Puts a fake <paramref name="tool"/> (pg_dump, psql, pg_restore, vacuumdb) in the folder; it behaves as the real one until told otherwise.</summary>
    public Fake Add(string tool)
    {
        var path = System.IO.Path.Combine(Path, tool);
        File.Copy(System.IO.Path.Combine(DummyFolder, DummyName), path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new Fake(tool, _environment);
    }

    /// <summary><paramref name="env"/> (a lifeboat run's environment) with what the fakes need added.</summary>
    public IDictionary<string, string> AddTo(IDictionary<string, string> env)
    {
        foreach (var (key, value) in _environment)
            env[key] = value;
        return env;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { } // best effort: it is in the temp folder
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>One fake tool in the folder, and what it does differently from the real one.</summary>
    public sealed class Fake(string tool, Dictionary<string, string> environment)
    {
        /// <summary>Answers --version with <paramref name="line"/> instead of asking the real tool.</summary>
        public Fake SaysItsVersionIs(string line) => Set(FakeTool.Version, line);

        /// <summary>Runs the real tool with <paramref name="arguments"/> before lifeboat's own.</summary>
        public Fake RunsTheRealOneWith(params string[] arguments) => Set(FakeTool.ArgumentsBefore, string.Join('\n', arguments));

        /// <summary>The real tool gets only the first <paramref name="bytes"/> of its input, then end of file.</summary>
        public Fake GetsOnlyTheFirstBytesOfItsInput(long bytes) => Set(FakeTool.StdinBytes, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>The real tool's output with the byte at <paramref name="offset"/> replaced by <paramref name="value"/>.</summary>
        public Fake WritesWithOneByteChanged(long offset, byte value) =>
            Set(FakeTool.StdoutByte, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{offset}={value}"));

        /// <summary>Waits <paramref name="delay"/> before it runs the real tool: the run is at this tool for that long.</summary>
        public Fake WaitsBeforeRunning(TimeSpan delay) =>
            Set(FakeTool.DelaySeconds, delay.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>Once the real tool has run, writes <paramref name="stderrLine"/> and exits with <paramref name="exitCode"/>.</summary>
        public Fake ThenFails(int exitCode, string stderrLine)
        {
            Set(FakeTool.StderrLine, stderrLine);
            return Set(FakeTool.ExitCode, exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Fake Set(string setting, string value)
        {
            environment[FakeTool.Variable(tool, setting)] = value;
            return this;
        }
    }
}
