namespace Lifeboat.Core.Errors;

/// <summary>A PostgreSQL client tool exited with an error; carries the tool, its exit code and the tail of its stderr.</summary>
public sealed class ToolFailedException(string tool, int toolExitCode, string stderrTail, string? hint = null)
    : LifeboatException($"{tool} failed (exit code {toolExitCode}): {stderrTail}", hint, ExitCodes.Tool)
{
    public string Tool { get; } = tool;
    public int ToolExitCode { get; } = toolExitCode;
    public string StderrTail { get; } = stderrTail;
}
