using System.Globalization;
using Lifeboat.Tests.Dummy;

// The name this copy was installed under (pg_dump, psql, pg_restore) says which tool it stands in for. A copy, not a
// symlink: the .NET apphost resolves a symlink to its target, and then only argv[0] would still know the name.
var tool = Path.GetFileName(Environment.ProcessPath) ?? throw new InvalidOperationException("no process path");
string? Setting(string name) => Environment.GetEnvironmentVariable(FakeTool.Variable(tool, name)) is { Length: > 0 } value ? value : null;

// Lifeboat asks every candidate for its version first; the PostgreSQL tools look for --version in the first argument only.
if (args is ["--version" or "-V", ..])
{
    if (Setting(FakeTool.Version) is { } version)
    {
        Console.WriteLine(version);
        return 0;
    }
    return RealTool.Find(tool) is { } real ? RealTool.Run(real, args, stdinBytes: null, stdoutByte: null) : NotFound;
}

var arguments = (Setting(FakeTool.ArgumentsBefore)?.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? []).Concat(args);
var stdinBytes = Setting(FakeTool.StdinBytes) is { } bytes ? long.Parse(bytes, CultureInfo.InvariantCulture) : (long?)null;
if (RealTool.Find(tool) is not { } realTool)
    return NotFound;
if (Setting(FakeTool.DelaySeconds) is { } delay)
    Thread.Sleep(TimeSpan.FromSeconds(double.Parse(delay, CultureInfo.InvariantCulture)));
var stdoutByte = Setting(FakeTool.StdoutByte)?.Split('=') is [var at, var value]
    ? (long.Parse(at, CultureInfo.InvariantCulture), byte.Parse(value, CultureInfo.InvariantCulture))
    : ((long, byte)?)null;
var exitCode = RealTool.Run(realTool, arguments, stdinBytes, stdoutByte);

if (Setting(FakeTool.StderrLine) is { } line)
    Console.Error.WriteLine(line);
return Setting(FakeTool.ExitCode) is { } code ? int.Parse(code, CultureInfo.InvariantCulture) : exitCode;

partial class Program
{
    /// <summary>What a shell answers for a command it cannot find.</summary>
    const int NotFound = 127;
}
