namespace Lifeboat.Core.Errors;

/// <summary>A program lifeboat runs (pg_dump, pg_restore, psql, zstd) exited with an error: the message names it, its exit code and the tail of its stderr.</summary>
public sealed class ToolFailedException(string tool, int toolExitCode, string stderrTail, string? hint = null)
    : LifeboatException($"{tool} failed (exit code {toolExitCode}): {stderrTail}", hint, ExitCodes.Tool);
