namespace Lifeboat.Tests.Dummy;

/// <summary>
/// How a fake tool is told what to do: environment variables, which lifeboat passes on to the tools it starts.
/// Each setting is per tool (<c>LIFEBOAT_FAKE_PSQL_STDIN_BYTES</c> speaks to a fake psql only), so a spec can fake
/// two tools differently. Unset, a fake is the real tool: it answers <c>--version</c> and runs with its arguments
/// and input as they come.
/// </summary>
public static class FakeTool
{
    /// <summary>Folder of the real tools a fake runs (default: the newest /usr/lib/postgresql/*/bin).</summary>
    public const string RealBinVariable = "LIFEBOAT_FAKE_REAL_BIN";

    /// <summary>The line <c>--version</c> prints instead of the real tool's, e.g. <c>pg_dump (PostgreSQL) 9.6.0</c>.</summary>
    public const string Version = "VERSION";

    /// <summary>Arguments put before the caller's when the real tool runs, one per line.</summary>
    public const string ArgumentsBefore = "ARGUMENTS_BEFORE";

    /// <summary>The real tool reads only this many bytes of the input; then its input ends, as if the pipe had been cut.</summary>
    public const string StdinBytes = "STDIN_BYTES";

    /// <summary>
    /// One byte of the real tool's output replaced on its way out, as <c>OFFSET=VALUE</c>: <c>6=17</c> makes pg_dump's
    /// custom archive one of version 1.17 (after "PGDMP", the major and the minor byte).
    /// </summary>
    public const string StdoutByte = "STDOUT_BYTE";

    /// <summary>Seconds to wait before the real tool runs (so that a spec can interrupt a run while the tool is at work).</summary>
    public const string DelaySeconds = "DELAY_SECONDS";

    /// <summary>A line written to stderr after the real tool has run.</summary>
    public const string StderrLine = "STDERR_LINE";

    /// <summary>The exit code once the real tool has run, instead of its own.</summary>
    public const string ExitCode = "EXIT_CODE";

    /// <summary>The environment variable that carries <paramref name="setting"/> to the fake named <paramref name="tool"/>.</summary>
    public static string Variable(string tool, string setting) =>
        $"LIFEBOAT_FAKE_{new string(tool.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray())}_{setting}";
}
